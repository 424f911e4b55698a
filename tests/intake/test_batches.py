"""Frames stored and read in batches, as the TCP gateway hands them over (IM-7).

A batch keeps every guarantee a single frame has: bytes committed before
the answer, duplicates stored once, rejected bytes kept, a check result for
every evaluation, events opened through supervision.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from offsite.bench import frames as benchframes
from offsite.intake import services
from offsite.intake.models import Observation, RawRecord
from offsite.monitoring import services as monitoring
from offsite.monitoring.models import CheckResult
from offsite.registry import services as registry
from offsite.supervision.models import Event, EventFinding
from tests.conftest import S18_BAD_CHECKSUM

pytestmark = pytest.mark.django_db

RECEIVED = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
CLOCK = datetime(2026, 3, 2, 9, 0)  # the devices' clock: Beijing time


@pytest.fixture
def device(unit):
    return registry.register_device(unit=unit, source_address="620000000001")


def incoming(*frames: bytes, received_at=RECEIVED) -> list[services.IncomingFrame]:
    return [
        services.IncomingFrame(data=data, origin=f"test:{i}", received_at=received_at)
        for i, data in enumerate(frames)
    ]


def keep_alive(serial: int) -> bytes:
    return benchframes.keep_alive(
        serial=serial,
        source=0x620000000001,
        at=CLOCK + timedelta(seconds=serial),
    )


def status(serial: int, *, component: int = 7, alarm: bool = False) -> bytes:
    return benchframes.component_status(
        serial=serial,
        source=0x620000000001,
        at=CLOCK + timedelta(seconds=serial),
        component=component,
        status=benchframes.STATUS_FIRE_ALARM if alarm else benchframes.STATUS_NORMAL,
    )


def store_and_read(*frames: bytes) -> list[services.Receipt]:
    receipts = services.store_frames(incoming(*frames), source="gb26875_tcp")
    services.process_receipts(receipts)
    return receipts


def test_a_batch_answers_every_frame_in_order(device):
    unknown = benchframes.keep_alive(serial=1, source=0x620000000099, at=CLOCK)

    receipts = services.store_frames(
        incoming(keep_alive(1), S18_BAD_CHECKSUM, unknown, status(2)),
        source="gb26875_tcp",
    )

    assert [r.status for r in receipts] == [
        "accepted",
        "rejected",
        "rejected",
        "accepted",
    ]
    assert receipts[2].reason == (
        "source_address: no device is registered with address 620000000099"
    )


def test_stored_frames_are_committed_unread(device):
    services.store_frames(incoming(keep_alive(1), status(2)), source="gb26875_tcp")

    assert RawRecord.objects.filter(processed_at__isnull=True).count() == 2
    assert Observation.objects.count() == 0


def test_rejected_bytes_in_a_batch_are_kept(device):
    services.store_frames(
        incoming(keep_alive(1), S18_BAD_CHECKSUM), source="gb26875_tcp"
    )

    rejected = RawRecord.objects.get(status="rejected")
    assert bytes(rejected.payload) == S18_BAD_CHECKSUM


def test_the_same_frame_twice_in_one_batch_is_stored_once(device):
    receipts = services.store_frames(
        incoming(keep_alive(1), keep_alive(1)), source="gb26875_tcp"
    )

    assert [r.status for r in receipts] == ["accepted", "duplicate"]
    assert RawRecord.objects.count() == 1


def test_a_frame_stored_by_an_earlier_batch_is_a_duplicate(device):
    services.store_frames(incoming(keep_alive(1)), source="gb26875_tcp")

    receipts = services.store_frames(
        incoming(keep_alive(1), keep_alive(2)), source="gb26875_tcp"
    )

    assert [r.status for r in receipts] == ["duplicate", "accepted"]
    assert RawRecord.objects.count() == 2


def test_reading_a_batch_marks_every_frame_read(device):
    store_and_read(keep_alive(1), status(2))

    assert RawRecord.objects.filter(processed_at__isnull=True).count() == 0
    assert Observation.objects.filter(name="heartbeat").count() == 1
    # Fig. 7: one observation per condition the component status defines.
    assert Observation.objects.filter(point__code="1-1-7").count() == 9


def test_every_judged_observation_of_a_batch_leaves_a_check_result(device):
    receipts = store_and_read(status(1), status(2, component=8))

    codes = sorted(CheckResult.objects.values_list("rule__code", flat=True))
    assert codes == [
        "fault_unrestored",
        "fault_unrestored",
        "fire_alarm",
        "fire_alarm",
        "main_power_fault",
        "main_power_fault",
        "shielded_ratio",
        "shielded_ratio",
    ]
    assert [r.check_results for r in receipts] == [4, 4]


def test_a_fire_alarm_repeated_in_a_batch_opens_one_warned_event(device):
    receipts = store_and_read(status(1, alarm=True), status(2, alarm=True))

    event = Event.objects.get()
    assert (event.scenario.code, event.subject, event.state) == (
        "fire_alarm",
        "point:1-1-7",
        "warned",
    )
    assert EventFinding.objects.filter(event=event).count() == 2
    assert [dict(r.events_opened) for r in receipts] == [{"fire_alarm": 1}, {}]


def test_normal_data_after_an_alarm_in_the_same_batch_ends_its_event(device):
    # LM-13 ¶2: data back to normal before the deadline ends the event.
    receipts = store_and_read(status(1, alarm=True), status(2))

    assert Event.objects.get().state == "ended"
    assert dict(receipts[1].events_ended) == {"fire_alarm": 1}


def test_data_after_a_silence_ends_it_once(device):
    store_and_read(keep_alive(1))
    monitoring.evaluate_silence(at=RECEIVED + timedelta(minutes=31))

    later = RECEIVED + timedelta(minutes=40)
    receipts = services.store_frames(
        incoming(keep_alive(2), keep_alive(3), received_at=later), source="gb26875_tcp"
    )
    services.process_receipts(receipts)

    outcomes = list(
        CheckResult.objects.filter(rule__code="transmission_silent")
        .order_by("pk")
        .values_list("outcome", flat=True)
    )
    assert outcomes == ["breach", "normal"]


def test_a_large_batch_is_stored_and_read_whole(unit):
    # Enough rows for the COPY path on PostgreSQL.
    factory = benchframes.FrameFactory(devices=20, start=CLOCK)
    for bench_device in factory.devices:
        registry.register_device(unit=unit, source_address=bench_device.source_hex)
    frames = [frame.data for frame in factory.frames(300)]

    receipts = store_and_read(*frames)

    assert [r.status for r in receipts] == ["accepted"] * 300
    assert RawRecord.objects.filter(processed_at__isnull=False).count() == 300
    assert Observation.objects.count() == sum(r.observations for r in receipts)
    assert CheckResult.objects.count() == sum(r.check_results for r in receipts)


def test_a_batch_read_once_is_not_read_again(device):
    receipts = store_and_read(keep_alive(1), status(2))

    services.process_receipts(receipts)

    assert Observation.objects.count() == 10
    assert CheckResult.objects.count() == 4
