"""How one MQTT message is read: topic, payload, provider and device."""

from __future__ import annotations

import json

import pytest

from offsite.intake import mqtt
from offsite.intake.models import DuplicateCount, Observation, RawRecord
from offsite.registry import services as registry

from .conftest import fire_alarm


def test_a_broker_url_gives_host_port_and_credentials():
    broker = mqtt.Broker.from_url("mqtt://iot-gw:s%40cret@broker.example:1884")

    assert broker == mqtt.Broker(
        host="broker.example",
        port=1884,
        username="iot-gw",
        password="s@cret",
        tls=False,
    )
    assert str(broker) == "mqtt://iot-gw@broker.example:1884"


def test_an_mqtts_url_uses_tls_on_port_8883():
    broker = mqtt.Broker.from_url("mqtts://broker.example")

    assert (broker.port, broker.tls, broker.username) == (8883, True, None)


def test_a_url_of_another_scheme_is_refused_naming_the_setting():
    with pytest.raises(ValueError, match=r"^MQTT_URL: the scheme must be mqtt://"):
        mqtt.Broker.from_url("http://broker.example:1883")


def test_a_topic_splits_into_provider_device_and_stream():
    assert mqtt.parse_topic("offsite/v1/demo-iot/smoke-7/status") == mqtt.TopicName(
        provider="demo-iot", device="smoke-7", stream="status"
    )


@pytest.mark.django_db
def test_a_topic_of_another_shape_is_rejected_with_the_reason():
    receipt = mqtt.receive_message("offsite/v1/demo-iot/status", b"{}")

    assert receipt.status == "rejected"
    assert receipt.raw_record.reject_reason == (
        "topic: expected offsite/v1/<provider>/<device>/<stream>, "
        "got 'offsite/v1/demo-iot/status'"
    )


@pytest.mark.django_db
def test_a_message_of_an_unregistered_provider_is_rejected():
    payload = json.dumps(fire_alarm()).encode()

    receipt = mqtt.receive_message("offsite/v1/nobody/smoke-7/status", payload)

    assert receipt.status == "rejected"
    assert receipt.raw_record.reject_reason == (
        "topic: no provider 'nobody' is registered"
    )


@pytest.mark.django_db
def test_the_payload_must_name_the_device_of_its_topic(provider):
    payload = json.dumps([fire_alarm("smoke-7"), fire_alarm("smoke-8")]).encode()
    topic = f"offsite/v1/{provider.slug}/smoke-7/status"

    receipt = mqtt.receive_message(topic, payload)

    assert receipt.status == "rejected"
    assert receipt.raw_record.reject_reason == (
        "device: every observation must name the device of its topic; "
        "[1].device: 'smoke-8' is not the topic's device 'smoke-7'"
    )
    assert Observation.objects.count() == 0


@pytest.mark.django_db
def test_a_payload_without_a_device_is_rejected_naming_the_field(provider):
    item = fire_alarm()
    del item["device"]

    receipt = mqtt.receive_message(
        f"offsite/v1/{provider.slug}/smoke-7/status", json.dumps(item).encode()
    )

    assert receipt.raw_record.reject_reason == (
        "body: invalid observations; [0].device: Field required"
    )


@pytest.mark.django_db
def test_a_transmission_device_of_a_unit_the_provider_does_not_serve_is_refused(
    provider, make_unit
):
    elsewhere = make_unit("朝阳某酒店", "110105")
    registry.register_device(
        unit=elsewhere, source_address="ff1280512525", kind="transmission"
    )
    payload = json.dumps(fire_alarm("ff1280512525")).encode()

    receipt = mqtt.receive_message(
        f"offsite/v1/{provider.slug}/ff1280512525/status", payload
    )

    assert receipt.raw_record.reject_reason == (
        "device: not a device of a unit this provider serves; "
        "[0].device: device 'ff1280512525' belongs to a unit provider "
        f"{provider.slug} does not serve"
    )


@pytest.mark.django_db
def test_a_rejected_message_delivered_again_is_kept_once(provider):
    topic = f"offsite/v1/{provider.slug}/smoke-7/status"

    first = mqtt.receive_message(topic, b"{not json")
    again = mqtt.receive_message(topic, b"{not json")

    assert (first.status, again.status) == ("rejected", "duplicate")
    assert RawRecord.objects.count() == 1
    assert DuplicateCount.objects.values_list("source", "count").get() == ("mqtt", 1)


@pytest.mark.django_db
def test_the_same_bytes_from_two_providers_are_two_records(provider, tag):
    mine = mqtt.receive_message(f"offsite/v1/{provider.slug}/smoke-7/status", b"{x")
    theirs = mqtt.receive_message(f"offsite/v1/rival-{tag}/smoke-9/status", b"{x")

    assert (mine.status, theirs.status) == ("rejected", "rejected")
    assert RawRecord.objects.count() == 2


@pytest.mark.django_db
def test_a_list_of_more_than_1000_observations_is_rejected(provider):
    payload = json.dumps([fire_alarm()] * 1001).encode()

    receipt = mqtt.receive_message(
        f"offsite/v1/{provider.slug}/smoke-7/status", payload
    )

    assert receipt.raw_record.reject_reason == "body: at most 1000 observations"
