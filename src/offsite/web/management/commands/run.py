"""`offsite run`: the whole platform in one process (the embedded default).

It migrates the database, optionally loads the demo city, then serves the
web (admin, API and docs), runs the GB/T 26875.3 gateway and runs the
sweeper every minute.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from django.utils import timezone, translation

from offsite.intake.gateway import DEFAULT_PORT, Gateway, GatewayThread

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run the platform: web server and sweeper (and load the demo city)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("PORT", "8000"))
        )
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument(
            "--demo",
            action="store_true",
            help="load the demo city and replay the packaged device captures",
        )
        parser.add_argument(
            "--sweep-seconds",
            type=int,
            default=60,
            help="how often the sweeper looks for due work (0: never)",
        )
        parser.add_argument(
            "--dispatch-seconds",
            type=int,
            default=10,
            help="how often notices in the outbox are sent (0: never; LM-5)",
        )
        parser.add_argument(
            "--gateway-port",
            type=int,
            default=int(os.environ.get("GATEWAY_PORT", DEFAULT_PORT)),
            help="TCP port of the GB/T 26875.3 device gateway (0: no gateway)",
        )
        parser.add_argument(
            "--no-serve",
            action="store_true",
            help="prepare (migrate, demo) and exit without serving",
        )

    def handle(self, *args, **options) -> None:
        from offsite.supervision import services as supervision

        call_command("migrate", interactive=False, verbosity=0)
        sign_ins = []
        if options["demo"]:
            from offsite.web import demo

            loaded = demo.load()
            sign_ins = loaded.sign_ins
            report = supervision.sweep(at=timezone.now())
            self._print_demo(loaded, report)

        if options["no_serve"]:
            return
        if options["sweep_seconds"] > 0:
            threading.Thread(
                target=_sweep_forever,
                args=(options["sweep_seconds"],),
                name="sweeper",
                daemon=True,
            ).start()
        if options["dispatch_seconds"] > 0:
            threading.Thread(
                target=_dispatch_forever,
                args=(options["dispatch_seconds"],),
                name="dispatcher",
                daemon=True,
            ).start()
        subscriber = _start_mqtt()

        _check_port_free(options["host"], options["port"])
        gateway = _start_gateway(options["host"], options["gateway_port"])

        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write(self.style.SUCCESS(f"\nOffsite is running at {url}"))
        self.stdout.write(f"  sign in:  {url} (console for staff, portal for units)")
        self.stdout.write(f"  items:    {url}items/ (public supervision item list)")
        self.stdout.write(f"  admin:    {url}admin/")
        self.stdout.write(f"  API docs: {url}api/v1/docs")
        if subscriber is not None:
            self.stdout.write(
                f"  MQTT:     {subscriber.topic_filter} on {subscriber.broker}"
            )
        if gateway is not None:
            self.stdout.write(
                f"  gateway:  tcp://{options['host']}:{gateway.port} "
                "(GB/T 26875.3 devices)"
            )
        if sign_ins:
            from offsite.web.demo import DEMO_PASSWORD

            self.stdout.write(f"  sign-ins (password {DEMO_PASSWORD}):")
            # The command speaks English; the roles are named in it too.
            with translation.override("en"):
                for sign_in in sign_ins:
                    self.stdout.write(
                        f"    {sign_in.username:<10} {sign_in.role} — {sign_in.scope}"
                    )
        self.stdout.write("Press Ctrl+C to stop.\n")
        self.stdout.flush()

        from waitress import serve

        from offsite.intake.gateway import WEB_CONNECTION_LIMIT
        from offsite.wsgi import application

        # poll() rather than select(): the gateway in this process may hold
        # more than 1024 sockets, past which select() fails. The connection
        # limit is the share of open files the gateway leaves to the web; a
        # connection silent for 30 s is closed, so half-sent requests do not
        # hold it. Slower clients are a reverse proxy's work (README).
        serve(
            application,
            host=options["host"],
            port=options["port"],
            threads=8,
            asyncore_use_poll=True,
            connection_limit=WEB_CONNECTION_LIMIT,
            channel_timeout=30,
        )

    def _print_demo(self, loaded, report) -> None:
        # The provider sends one JSON batch, not capture files of frames.
        batch = loaded.provider.as_dict()
        del batch["files"]
        batch = {"batches" if k == "frames" else k: v for k, v in batch.items()}
        for title, shown in (
            ("Replay of the packaged device captures:", loaded.captures.as_dict()),
            ("The demo provider's observations, through the HTTP intake:", batch),
        ):
            self.stdout.write(title)
            self.stdout.write(json.dumps(shown, ensure_ascii=False, indent=2))
        self.stdout.write("Sweep after the replay:")
        self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        self.stdout.write(f"Demo provider API key (X-API-Key): {loaded.key}")


def _start_gateway(host: str, port: int) -> GatewayThread | None:
    """Start the device gateway on a background thread; None when disabled."""
    if port == 0:
        return None
    gateway = GatewayThread(Gateway(host=host, port=port))
    try:
        gateway.start()
    except OSError as error:
        raise CommandError(
            f"--gateway-port: cannot listen on {port}: {error}"
        ) from None
    return gateway


def _start_mqtt():
    """Start the MQTT subscriber in the background when `MQTT_URL` is set."""
    if not os.environ.get("MQTT_URL"):
        return None
    from offsite.intake import mqtt

    try:
        subscriber = mqtt.subscriber_from_environment()
    except ValueError as error:
        raise CommandError(str(error)) from None
    subscriber.start()
    return subscriber


def _check_port_free(host: str, port: int) -> None:
    """Refuse to start when the web port is taken, before printing a URL."""
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as error:
        raise CommandError(
            f"--port: cannot listen on {host}:{port} ({error})"
        ) from None


def _sweep_forever(seconds: int) -> None:
    from offsite.supervision import services as supervision

    stop = threading.Event()
    while not stop.wait(seconds):
        try:
            supervision.sweep(at=timezone.now())
        except Exception:
            logger.exception("sweep failed; it will run again in %s s", seconds)
        finally:
            close_old_connections()


def _dispatch_forever(seconds: int) -> None:
    from offsite.delivery import services as delivery

    stop = threading.Event()
    while not stop.wait(seconds):
        try:
            delivery.dispatch(at=timezone.now())
        except Exception:
            logger.exception("dispatch failed; it will run again in %s s", seconds)
        finally:
            close_old_connections()
