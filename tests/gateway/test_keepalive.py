"""A device silent past its keep-alive limit is recorded offline (reference §8).

The limit is short here (0.4 s) so the tests run quickly; the gateway's
default is 5 minutes.
"""

from __future__ import annotations

import json
import time

import pytest

from offsite.intake.models import Observation
from offsite.supervision.models import Event
from tests.protocols.samples import S2_DEVICE_CLOCK

from .support import HAIWAN, Device, clock_frame

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

KEEPALIVE_SECONDS = 0.4


def offline_values() -> list[bool]:
    return list(
        Observation.objects.filter(name="offline")
        .order_by("id")
        .values_list("value_bool", flat=True)
    )


@pytest.fixture
def gateway(start_gateway, register_device):
    register_device(HAIWAN)
    return start_gateway(keepalive_seconds=KEEPALIVE_SECONDS)


def go_silent(gateway) -> None:
    device = Device(gateway.port)
    device.send(S2_DEVICE_CLOCK)
    device.receive(1)
    assert device.closed_by_gateway(timeout_seconds=5)
    gateway.wait_idle()


def test_the_gateway_closes_a_connection_silent_past_its_keepalive(gateway):
    device = Device(gateway.port)
    started = time.monotonic()
    device.send(S2_DEVICE_CLOCK)
    device.receive(1)

    assert device.closed_by_gateway(timeout_seconds=5)
    assert KEEPALIVE_SECONDS <= time.monotonic() - started < 3


def test_silence_past_the_keepalive_records_the_device_offline(gateway):
    go_silent(gateway)
    gateway.stop()

    observation = Observation.objects.get(name="offline")
    assert observation.value_bool is True
    assert observation.device.source_address == HAIWAN


def test_the_offline_observation_hangs_on_a_note_of_the_gateway_event(gateway):
    go_silent(gateway)
    gateway.stop()

    record = Observation.objects.get(name="offline").raw_record
    note = json.loads(bytes(record.payload))
    assert (note["event"], note["device"]) == ("connection_silent", HAIWAN)
    assert (record.source, record.status) == ("gb26875_tcp", "accepted")
    assert record.processed_at is not None


def test_an_offline_device_opens_a_facility_status_event(gateway):
    # Catalog version 1: rule device_offline of scenario facility_status.
    go_silent(gateway)
    gateway.stop()

    event = Event.objects.get()
    assert (event.scenario.code, event.subject) == (
        "facility_status",
        "device:000000000001",
    )


def test_data_after_reconnecting_records_the_device_online(gateway):
    go_silent(gateway)

    device = Device(gateway.port)
    device.send(clock_frame(1))
    device.receive(1)
    device.close()
    gateway.stop()

    assert offline_values() == [True, False]


def test_a_device_that_closed_and_stayed_away_is_recorded_offline(gateway):
    device = Device(gateway.port)
    device.send(S2_DEVICE_CLOCK)
    device.receive(1)
    device.close()
    time.sleep(KEEPALIVE_SECONDS + 0.4)
    gateway.stop()

    record = Observation.objects.get(name="offline").raw_record
    assert json.loads(bytes(record.payload))["event"] == "connection_closed"


def test_a_device_that_moved_to_a_new_connection_is_not_recorded_offline(gateway):
    old = Device(gateway.port)
    old.send(S2_DEVICE_CLOCK)
    old.receive(1)
    time.sleep(KEEPALIVE_SECONDS / 2)
    new = Device(gateway.port)
    new.send(clock_frame(1))
    new.receive(1)

    assert old.closed_by_gateway(timeout_seconds=5)
    new.close()
    gateway.stop()

    assert offline_values() == []
