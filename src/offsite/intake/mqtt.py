"""MQTT intake: canonical JSON observations from IoT sensors (IM-6, IM-21).

Devices publish to `offsite/v1/<provider>/<device>/<stream>`: the provider
segment is the provider's slug, the device segment the device's name as the
payload gives it (the provider's id for it, or its GB/T 26875.3 address),
and the stream a free label of the publisher's (`status`, `pressure`). The
payload is one canonical observation or a list of them (`canonical`), and
every item names its device, equal to the topic's device segment. The
payload carries the device rather than borrowing it from the topic so that
the raw record alone says what it is about (IM-8) and so that two devices
sending the same bytes are not mistaken for a redelivery: the raw store
knows a message again by its provider and its bytes.

Nothing is lost between broker and database: the subscriber holds a
persistent MQTT 5 session (clean start off, a session expiry, a stable
client id), so the broker keeps what is published while it is away, and it
acknowledges a message only after the message is committed, stored or
rejected; a crash before that makes the broker send it again.
"""

from __future__ import annotations

import logging
import os
import queue
import ssl
import threading
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as paho
from django.db import InterfaceError, OperationalError
from django.db import connection as db_connection
from django.utils import timezone
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from offsite.intake import canonical, services
from offsite.intake.models import RawRecord
from offsite.registry.models import Provider

logger = logging.getLogger(__name__)
paho_logger = logging.getLogger(f"{__name__}.paho")

TOPIC_FILTER = "offsite/v1/+/+/+"
DEFAULT_URL = "mqtt://127.0.0.1:1883"
DEFAULT_CLIENT_ID = "offsite-intake"
# What the broker may have sent and the subscriber not yet acknowledged: the
# MQTT 5 Receive Maximum announced at connect, and the size of the queue in
# front of the worker, so neither can grow past it.
RECEIVE_MAXIMUM = 50
# How long the broker keeps the session, and the messages queued in it,
# while the subscriber is away: a week covers a long weekend outage.
SESSION_EXPIRY_SECONDS = 7 * 24 * 3600
KEEPALIVE_SECONDS = 30
RETRY_MAX_SECONDS = 30.0


@dataclass(frozen=True)
class Broker:
    """Where the broker is and how to sign in, read from a URL."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    tls: bool = False

    @classmethod
    def from_url(cls, url: str) -> Broker:
        """Read `mqtt://[user[:password]@]host[:port]` (or `mqtts://` for TLS)."""
        parts = urlsplit(url.strip())
        if parts.scheme not in ("mqtt", "mqtts"):
            raise ValueError(
                f"MQTT_URL: the scheme must be mqtt:// or mqtts://, not {url!r}"
            )
        if not parts.hostname:
            raise ValueError(f"MQTT_URL: no broker host in {url!r}")
        try:
            port = parts.port
        except ValueError:
            raise ValueError(f"MQTT_URL: the port is not a number in {url!r}") from None
        tls = parts.scheme == "mqtts"
        return cls(
            host=parts.hostname,
            port=port or (8883 if tls else 1883),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password is not None else None,
            tls=tls,
        )

    def __str__(self) -> str:
        user = f"{self.username}@" if self.username else ""
        scheme = "mqtts" if self.tls else "mqtt"
        return f"{scheme}://{user}{self.host}:{self.port}"


@dataclass(frozen=True)
class TopicName:
    """The parts of `offsite/v1/<provider>/<device>/<stream>`."""

    provider: str
    device: str
    stream: str


def parse_topic(topic: str) -> TopicName:
    """Split an observation topic; refuse any other shape."""
    parts = topic.split("/")
    if len(parts) != 5 or parts[:2] != ["offsite", "v1"] or not all(parts[2:]):
        raise canonical.RefusedError(
            canonical.RefusedError.INVALID,
            f"topic: expected offsite/v1/<provider>/<device>/<stream>, got {topic!r}",
        )
    return TopicName(provider=parts[2], device=parts[3], stream=parts[4])


def receive_message(
    topic: str, payload: bytes, *, received_at: datetime | None = None
) -> services.Receipt:
    """Store one MQTT message: its observations, or its bytes marked rejected.

    When this returns, the outcome is committed and the message may be
    acknowledged. The same message again (a redelivery) is a duplicate and
    is stored once.
    """
    received_at = received_at or timezone.now()
    slug = ""
    try:
        name = parse_topic(topic)
        slug = name.provider
        provider = Provider.objects.filter(slug=slug).first()
        if provider is None:
            raise canonical.RefusedError(
                canonical.RefusedError.UNKNOWN,
                f"topic: no provider {slug!r} is registered",
            )
        items = canonical.parse_observations(payload)
        _check_topic_device(name, items)
        observations = canonical.resolve(provider, items)
    except canonical.RefusedError as refusal:
        return _reject(payload, slug, refusal.reason, topic, received_at)

    receipt = services.receive_observation_batch(
        payload,
        provider_slug=slug,
        items=observations,
        source=RawRecord.Source.MQTT,
        origin=topic,
        received_at=received_at,
    )
    logger.info(
        "mqtt message %s raw=%s topic=%s observations=%d",
        receipt.status,
        receipt.raw_record.pk if receipt.raw_record else None,
        topic,
        receipt.observations,
    )
    return receipt


def _check_topic_device(name: TopicName, items: list[canonical.ObservationIn]) -> None:
    errors = [
        f"[{index}].device: {item.device!r} is not the topic's device {name.device!r}"
        for index, item in enumerate(items)
        if item.device != name.device
    ]
    if errors:
        raise canonical.RefusedError(
            canonical.RefusedError.INVALID,
            "device: every observation must name the device of its topic",
            errors,
        )


def _reject(
    payload: bytes, slug: str, reason: str, topic: str, received_at: datetime
) -> services.Receipt:
    raw = services.reject_batch(
        payload,
        provider_slug=slug,
        reason=reason,
        source=RawRecord.Source.MQTT,
        origin=topic,
        received_at=received_at,
    )
    if raw is None:
        return services.Receipt(raw_record=None, status="duplicate", reason=reason)
    logger.warning("mqtt message rejected raw=%s topic=%s: %s", raw.pk, topic, reason)
    return services.Receipt(raw_record=raw, status="rejected", reason=reason)


@dataclass(frozen=True)
class _Delivery:
    topic: str
    payload: bytes
    mid: int
    qos: int
    received_at: datetime


class Subscriber:
    """Take messages from the broker and acknowledge each once it is stored.

    paho's network thread only hands messages to a bounded queue; one
    worker thread stores them in order and acknowledges each after its
    commit. So the network thread keeps the connection alive (keep-alive
    pings) while the database is slow, and acknowledgements go out in the
    order the messages came, as MQTT requires for QoS 1.

    Memory stays bounded: the subscriber announces an MQTT 5 Receive
    Maximum, so the broker holds back what would exceed it, and the queue
    has that size, so when it is full anyway (QoS 0 messages, which the
    broker does not count) the network thread waits and stops reading the
    socket. (paho's `max_inflight_messages` and `max_queued_messages`
    bound what a client publishes, not what it receives.) While the
    database is unreachable the worker keeps the message unacknowledged and
    retries; the broker keeps the rest in the session.
    """

    def __init__(
        self,
        broker: Broker,
        *,
        client_id: str = DEFAULT_CLIENT_ID,
        topic_filter: str = TOPIC_FILTER,
        receive_maximum: int = RECEIVE_MAXIMUM,
        session_expiry_seconds: int = SESSION_EXPIRY_SECONDS,
        keepalive_seconds: int = KEEPALIVE_SECONDS,
    ) -> None:
        self.broker = broker
        self.client_id = client_id
        self.topic_filter = topic_filter
        self._session_expiry_seconds = session_expiry_seconds
        self._keepalive_seconds = keepalive_seconds
        self._queue: queue.Queue[_Delivery] = queue.Queue(maxsize=receive_maximum)
        self._receive_maximum = receive_maximum
        self._stopping = threading.Event()
        self._subscribed = threading.Event()
        self._handled = 0
        self._handled_changed = threading.Condition()
        self._worker: threading.Thread | None = None
        self._client = self._make_client()

    @property
    def handled(self) -> int:
        """Count the messages stored (or found stored before) and acknowledged."""
        with self._handled_changed:
            return self._handled

    def start(self) -> None:
        """Connect in the background and start storing what arrives."""
        self._stopping.clear()
        self._worker = threading.Thread(
            target=self._work, name=f"mqtt-worker {self.client_id}", daemon=True
        )
        self._worker.start()
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = self._session_expiry_seconds
        properties.ReceiveMaximum = self._receive_maximum
        self._client.connect_async(
            self.broker.host,
            self.broker.port,
            keepalive=self._keepalive_seconds,
            clean_start=False,
            properties=properties,
        )
        self._client.loop_start()
        logger.info(
            "mqtt subscriber starting broker=%s client=%s topic=%s",
            self.broker,
            self.client_id,
            self.topic_filter,
        )

    def stop(self, *, end_session: bool = False, timeout_seconds: float = 10) -> None:
        """Finish the message in hand, then disconnect.

        Messages received but not yet stored stay unacknowledged: the broker
        sends them again when the session resumes. With `end_session` the
        broker drops the session and what is queued in it.
        """
        self._stopping.set()
        if self._worker is not None:
            self._worker.join(timeout_seconds)
        properties = None
        if end_session:
            properties = Properties(PacketTypes.DISCONNECT)
            properties.SessionExpiryInterval = 0
        self._client.disconnect(properties=properties)
        self._client.loop_stop()
        self._subscribed.clear()
        # What was received and not stored comes again with the session.
        while not self._queue.empty():
            self._queue.get_nowait()
        logger.info("mqtt subscriber stopped client=%s", self.client_id)

    def wait_subscribed(self, timeout_seconds: float) -> bool:
        """Wait until the broker has granted the subscription."""
        return self._subscribed.wait(timeout_seconds)

    def wait_handled(self, count: int, timeout_seconds: float) -> bool:
        """Wait until `count` messages in all have been stored and acknowledged."""
        with self._handled_changed:
            return self._handled_changed.wait_for(
                lambda: self._handled >= count, timeout_seconds
            )

    def _make_client(self) -> paho.Client:
        client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            protocol=paho.MQTTv5,
            manual_ack=True,
        )
        if self.broker.username is not None:
            client.username_pw_set(self.broker.username, self.broker.password)
        if self.broker.tls:
            client.tls_set_context(ssl.create_default_context())
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.on_log = self._on_log
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_subscribe = self._on_subscribe
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        return client

    def _on_log(self, client, userdata, level: int, text: str) -> None:
        if self._stopping.is_set() and text.startswith("Client is not connected"):
            # paho 2.2 says this as its network thread ends after a
            # disconnect that was asked for: not an error here.
            return
        paho_logger.log(paho.LOGGING_LEVEL[level], text)

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            logger.warning(
                "mqtt broker refused the connection broker=%s client=%s: %s",
                self.broker,
                self.client_id,
                reason_code,
            )
            return
        logger.info(
            "mqtt connected broker=%s client=%s session_present=%s",
            self.broker,
            self.client_id,
            flags.session_present,
        )
        # Subscribing again on every connect is harmless with a kept
        # session, and needed when the broker lost it (a restart without
        # persistence). Retained messages come only with a new subscription.
        options = SubscribeOptions(
            qos=1, retainHandling=SubscribeOptions.RETAIN_SEND_IF_NEW_SUB
        )
        client.subscribe(self.topic_filter, options=options)

    def _on_connect_fail(self, client, userdata) -> None:
        logger.warning(
            "mqtt broker unreachable broker=%s client=%s; retrying",
            self.broker,
            self.client_id,
        )

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        if any(code.is_failure for code in reason_codes):
            logger.warning(
                "mqtt broker refused the subscription topic=%s client=%s: %s",
                self.topic_filter,
                self.client_id,
                [str(code) for code in reason_codes],
            )
            return
        self._subscribed.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self._subscribed.clear()
        if not self._stopping.is_set():
            logger.warning(
                "mqtt disconnected broker=%s client=%s: %s; reconnecting",
                self.broker,
                self.client_id,
                reason_code,
            )

    def _on_message(self, client, userdata, message: paho.MQTTMessage) -> None:
        # An exception here would end paho's network thread: nothing raises.
        try:
            topic = message.topic
        except UnicodeDecodeError:
            topic = "(topic not UTF-8)"
        delivery = _Delivery(
            topic=topic,
            payload=bytes(message.payload),
            mid=message.mid,
            qos=message.qos,
            received_at=timezone.now(),
        )
        while not self._stopping.is_set():
            try:
                self._queue.put(delivery, timeout=0.5)
                return
            except queue.Full:
                continue

    def _work(self) -> None:
        try:
            while not self._stopping.is_set():
                try:
                    delivery = self._queue.get(timeout=0.2)
                except queue.Empty:
                    continue
                if self._store(delivery) is None:
                    break
                self._client.ack(delivery.mid, delivery.qos)
                with self._handled_changed:
                    self._handled += 1
                    self._handled_changed.notify_all()
        finally:
            db_connection.close()

    def _store(self, delivery: _Delivery) -> services.Receipt | None:
        """Store a delivery, retrying while the database fails.

        Returns None only when asked to stop before it could be stored.
        """
        delay_seconds = 0.5
        while True:
            try:
                return self._receive(delivery)
            except Exception as error:
                # What `_receive` lets through is the database failing, even
                # to keep the bytes as rejected: wait for it, unacknowledged.
                # The connection is kept between messages and renewed here.
                logger.warning(
                    "mqtt message not stored topic=%s: %s: %s; left "
                    "unacknowledged, retrying in %.1f s",
                    delivery.topic,
                    type(error).__name__,
                    error,
                    delay_seconds,
                )
                db_connection.close()
            if self._stopping.wait(delay_seconds):
                return None
            delay_seconds = min(delay_seconds * 2, RETRY_MAX_SECONDS)

    def _receive(self, delivery: _Delivery) -> services.Receipt:
        try:
            return receive_message(
                delivery.topic, delivery.payload, received_at=delivery.received_at
            )
        except (OperationalError, InterfaceError):
            raise
        except Exception as error:
            # A message that breaks the reading itself must not stall the
            # intake behind it: its bytes are kept, rejected with the error.
            logger.exception("mqtt message could not be read topic=%s", delivery.topic)
            parts = delivery.topic.split("/")
            return _reject(
                delivery.payload,
                parts[2] if len(parts) > 2 else "",
                f"processing failed: {type(error).__name__}: {error}"[:2000],
                delivery.topic,
                delivery.received_at,
            )


def subscriber_from_environment(**options) -> Subscriber:
    """Make the subscriber that `MQTT_URL` and `MQTT_CLIENT_ID` describe."""
    broker = Broker.from_url(os.environ.get("MQTT_URL") or DEFAULT_URL)
    client_id = os.environ.get("MQTT_CLIENT_ID") or DEFAULT_CLIENT_ID
    return Subscriber(broker, client_id=client_id, **options)
