"""`offsite mqtt`: store the observations devices publish on the MQTT broker."""

from __future__ import annotations

import os
import signal
import threading

from django.core.management.base import BaseCommand, CommandError, CommandParser

from offsite.intake import mqtt


class Command(BaseCommand):
    help = (
        "Subscribe to offsite/v1/<provider>/<device>/<stream> on the broker of "
        "MQTT_URL with a persistent session, store every message (rejected ones "
        "with the reason) and acknowledge it once stored. Stop with Ctrl+C or "
        "SIGTERM."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--url",
            default=os.environ.get("MQTT_URL") or mqtt.DEFAULT_URL,
            help="broker, mqtt://[user[:password]@]host[:port] or mqtts://… "
            "(default: MQTT_URL, else %(default)s)",
        )
        parser.add_argument(
            "--client-id",
            default=os.environ.get("MQTT_CLIENT_ID") or mqtt.DEFAULT_CLIENT_ID,
            help="the session's client id; keep it stable so the broker keeps "
            "what is published while this is down (default: MQTT_CLIENT_ID, "
            "else %(default)s)",
        )
        parser.add_argument(
            "--topic",
            default=mqtt.TOPIC_FILTER,
            help="topic filter to subscribe to (default: %(default)s)",
        )

    def handle(self, *args, **options) -> None:
        try:
            broker = mqtt.Broker.from_url(options["url"])
        except ValueError as error:
            raise CommandError(str(error)) from None

        subscriber = mqtt.Subscriber(
            broker, client_id=options["client_id"], topic_filter=options["topic"]
        )
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        subscriber.start()
        self.stdout.write(
            f"Subscribing to {options['topic']} on {broker} as "
            f"{options['client_id']}; Ctrl+C to stop."
        )
        self.stdout.flush()
        try:
            while not stop.wait(1):
                pass
        except KeyboardInterrupt:
            pass
        subscriber.stop()
        self.stdout.write(f"Stopped after {subscriber.handled} messages.")
