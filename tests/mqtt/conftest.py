"""The MQTT tests run against the Mosquitto broker on 127.0.0.1:1883."""

from __future__ import annotations

import socket
import uuid

import paho.mqtt.client as paho
import pytest
from paho.mqtt import publish as paho_publish
from paho.mqtt.enums import CallbackAPIVersion

from offsite.intake import mqtt
from offsite.registry import services as registry

BROKER_HOST = "127.0.0.1"
BROKER_PORT = 1883
BROKER = mqtt.Broker(host=BROKER_HOST, port=BROKER_PORT)


def fire_alarm(device: str = "smoke-7", **fields) -> dict:
    return {
        "device": device,
        "point": "2F-12",
        "name": "fire_alarm",
        "value": True,
        "observed_at": "2026-12-03T09:15:00+08:00",
    } | fields


def publish(topic: str, payload: bytes) -> None:
    """Publish one message with QoS 1 and wait for the broker's PUBACK."""
    paho_publish.single(
        topic,
        payload,
        qos=1,
        hostname=BROKER_HOST,
        port=BROKER_PORT,
        protocol=paho.MQTTv5,
    )


def end_session(client_id: str) -> None:
    """Make the broker forget a test's session and what is queued in it."""
    client = paho.Client(
        CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv5
    )
    client.connect(BROKER_HOST, BROKER_PORT, clean_start=True)
    client.disconnect()


@pytest.fixture(scope="session")
def broker() -> mqtt.Broker:
    try:
        socket.create_connection((BROKER_HOST, BROKER_PORT), timeout=2).close()
    except OSError as error:
        pytest.skip(
            f"no MQTT broker at {BROKER_HOST}:{BROKER_PORT} ({error}); start "
            "Mosquitto (`mosquitto -d`) to run the MQTT tests"
        )
    return BROKER


@pytest.fixture
def tag() -> str:
    """A word unique to this test, so that tests share no topic or session."""
    return uuid.uuid4().hex[:10]


@pytest.fixture
def provider(make_unit, tag):
    """A provider serving one unit with a smoke sensor; a rival with another."""
    own = make_unit("海淀科技大厦", "110108")
    other = make_unit("西城颐和酒店", "110102")
    provider = registry.register_provider(
        name="示范物联网服务商", slug=f"iot-{tag}", units=[own]
    )
    rival = registry.register_provider(
        name="另一家物联网服务商", slug=f"rival-{tag}", units=[other]
    )
    registry.register_device(
        unit=own, provider=provider, provider_device_id="smoke-7", kind="sensor"
    )
    registry.register_device(
        unit=other, provider=rival, provider_device_id="smoke-9", kind="sensor"
    )
    return provider


@pytest.fixture
def make_subscriber(broker, tag):
    """Make subscribers of this test's provider topics, one session per test."""
    client_id = f"offsite-test-{tag}"
    made: list[mqtt.Subscriber] = []

    def make() -> mqtt.Subscriber:
        subscriber = mqtt.Subscriber(
            broker,
            client_id=client_id,
            topic_filter=f"offsite/v1/iot-{tag}/+/+",
            session_expiry_seconds=120,
        )
        made.append(subscriber)
        return subscriber

    yield make
    for subscriber in made:
        subscriber.stop()
    end_session(client_id)
