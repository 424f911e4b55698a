"""The MQTT subscriber against the real broker (IM-6, IM-7, IM-21).

Each test has its own provider slug, topics and client id, so tests and
test runs sharing the broker do not see each other's messages.
"""

from __future__ import annotations

import json
import time

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from offsite.intake import mqtt
from offsite.intake.models import Observation, RawRecord
from offsite.supervision.models import Event

from .conftest import BROKER_HOST, BROKER_PORT, fire_alarm, publish

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WAIT_SECONDS = 10


def started(subscriber: mqtt.Subscriber) -> mqtt.Subscriber:
    subscriber.start()
    assert subscriber.wait_subscribed(WAIT_SECONDS), (
        "the broker granted no subscription"
    )
    return subscriber


def test_a_fire_alarm_message_becomes_an_observation_and_opens_an_event(
    provider, make_subscriber
):
    subscriber = started(make_subscriber())
    topic = f"offsite/v1/{provider.slug}/smoke-7/status"

    publish(topic, json.dumps(fire_alarm()).encode())

    assert subscriber.wait_handled(1, WAIT_SECONDS)
    raw = RawRecord.objects.get()
    assert (raw.source, raw.status, raw.origin) == ("mqtt", "accepted", topic)
    observation = Observation.objects.get()
    assert (observation.name, observation.value, observation.point.code) == (
        "fire_alarm",
        True,
        "2F-12",
    )
    assert observation.device.provider_device_id == "smoke-7"
    assert Event.objects.get().scenario.code == "fire_alarm"


def test_a_list_payload_is_one_raw_record_with_all_its_observations(
    provider, make_subscriber
):
    subscriber = started(make_subscriber())
    payload = [
        fire_alarm(observed_at="2026-12-03T09:15:00+08:00"),
        fire_alarm(name="fault", value=False, observed_at="2026-12-03T09:15:01+08:00"),
        fire_alarm(name="pressure_mpa", value=0.32, point="B1-pump"),
    ]

    publish(f"offsite/v1/{provider.slug}/smoke-7/status", json.dumps(payload).encode())

    assert subscriber.wait_handled(1, WAIT_SECONDS)
    assert RawRecord.objects.get().status == "accepted"
    assert sorted(Observation.objects.values_list("name", flat=True)) == [
        "fault",
        "fire_alarm",
        "pressure_mpa",
    ]


def test_a_payload_that_is_not_json_is_kept_rejected_with_the_reason(
    provider, make_subscriber
):
    subscriber = started(make_subscriber())

    publish(f"offsite/v1/{provider.slug}/smoke-7/status", b"{not json")

    assert subscriber.wait_handled(1, WAIT_SECONDS)
    raw = RawRecord.objects.get()
    assert (raw.source, raw.status, bytes(raw.payload)) == (
        "mqtt",
        "rejected",
        b"{not json",
    )
    assert raw.reject_reason.startswith("body: not valid JSON")
    assert Observation.objects.count() == 0


def test_a_payload_breaking_the_schema_is_rejected_naming_the_field(
    provider, make_subscriber
):
    subscriber = started(make_subscriber())
    item = fire_alarm(observed_at="2026-12-03T09:15:00")

    publish(f"offsite/v1/{provider.slug}/smoke-7/status", json.dumps(item).encode())

    assert subscriber.wait_handled(1, WAIT_SECONDS)
    raw = RawRecord.objects.get()
    assert raw.status == "rejected"
    assert raw.reject_reason.startswith(
        "body: invalid observations; [0].observed_at: Input should have timezone info"
    )


def test_a_device_of_another_provider_is_rejected(provider, make_subscriber):
    subscriber = started(make_subscriber())
    topic = f"offsite/v1/{provider.slug}/smoke-9/status"

    publish(topic, json.dumps(fire_alarm("smoke-9")).encode())

    assert subscriber.wait_handled(1, WAIT_SECONDS)
    raw = RawRecord.objects.get()
    assert (raw.status, raw.origin) == ("rejected", topic)
    assert raw.reject_reason == (
        "device: not registered; [0].device: no device 'smoke-9' is registered "
        f"for provider {provider.slug}"
    )
    assert Observation.objects.count() == 0
    assert Event.objects.count() == 0


def test_the_same_message_published_twice_is_stored_once(provider, make_subscriber):
    subscriber = started(make_subscriber())
    topic = f"offsite/v1/{provider.slug}/smoke-7/status"
    payload = json.dumps(fire_alarm()).encode()

    publish(topic, payload)
    publish(topic, payload)

    assert subscriber.wait_handled(2, WAIT_SECONDS)
    assert RawRecord.objects.count() == 1
    assert Observation.objects.count() == 1
    assert Event.objects.count() == 1


def test_messages_published_while_the_subscriber_is_down_arrive_when_it_returns(
    provider, make_subscriber
):
    started(make_subscriber()).stop()
    topic = f"offsite/v1/{provider.slug}/smoke-7/status"

    publish(topic, json.dumps(fire_alarm()).encode())
    publish(topic, b"{not json")
    assert RawRecord.objects.count() == 0
    subscriber = make_subscriber()
    subscriber.start()

    assert subscriber.wait_handled(2, WAIT_SECONDS)
    assert sorted(RawRecord.objects.values_list("status", flat=True)) == [
        "accepted",
        "rejected",
    ]
    assert Event.objects.get().scenario.code == "fire_alarm"


def test_a_message_stored_but_not_acknowledged_comes_again_and_is_stored_once(
    provider, make_subscriber, tag
):
    # A subscriber that stored a message and died before acknowledging it:
    # a bare client of the same session that stores and never acknowledges.
    started(make_subscriber()).stop()
    topic = f"offsite/v1/{provider.slug}/smoke-7/status"
    publish(topic, json.dumps(fire_alarm()).encode())
    taken = take_without_acknowledging(f"offsite-test-{tag}")
    assert mqtt.receive_message(taken.topic, taken.payload).status == "accepted"

    subscriber = make_subscriber()
    subscriber.start()

    assert subscriber.wait_handled(1, WAIT_SECONDS)
    assert RawRecord.objects.count() == 1
    assert Observation.objects.count() == 1
    assert Event.objects.count() == 1


def test_an_acknowledged_message_is_not_delivered_again(provider, make_subscriber):
    subscriber = started(make_subscriber())
    publish(
        f"offsite/v1/{provider.slug}/smoke-7/status",
        json.dumps(fire_alarm()).encode(),
    )
    assert subscriber.wait_handled(1, WAIT_SECONDS)
    subscriber.stop()

    again = started(make_subscriber())

    assert not again.wait_handled(1, 1.0)
    assert again.handled == 0


def take_without_acknowledging(client_id: str) -> paho.MQTTMessage:
    """Resume a session, take its first message, and drop the connection."""
    messages: list[paho.MQTTMessage] = []
    client = paho.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=paho.MQTTv5,
        manual_ack=True,
    )
    client.on_message = lambda _client, _userdata, message: messages.append(message)
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = 120
    client.connect(BROKER_HOST, BROKER_PORT, clean_start=False, properties=properties)
    client.loop_start()
    deadline = time.monotonic() + WAIT_SECONDS
    while not messages and time.monotonic() < deadline:
        time.sleep(0.02)
    client.disconnect()
    client.loop_stop()
    assert messages, "the broker delivered nothing to the resumed session"
    return messages[0]
