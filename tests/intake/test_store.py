"""Storing comes first: a frame stored but never read is read later (IM-7)."""

from __future__ import annotations

from datetime import datetime

import pytest

from offsite.intake import services
from offsite.intake.models import Observation, RawRecord
from offsite.protocols import gb26875
from offsite.protocols.gb26875 import codes
from offsite.supervision.models import Event
from tests.conftest import S1_FIRE_ALARM

pytestmark = pytest.mark.django_db


def test_a_stored_frame_is_committed_before_it_is_read(unit):
    receipt = services.store_gb26875(
        S1_FIRE_ALARM, source="gb26875_tcp", origin="test", register_unit=unit
    )

    assert receipt.status == "accepted"
    assert RawRecord.objects.get().processed_at is None
    assert Observation.objects.count() == 0


def test_a_frame_left_unread_by_a_crash_is_read_by_process_pending(unit):
    services.store_gb26875(
        S1_FIRE_ALARM, source="gb26875_tcp", origin="test", register_unit=unit
    )

    assert services.process_pending() == 1

    assert RawRecord.objects.get().processed_at is not None
    assert Observation.objects.filter(name="fire_alarm", value_bool=True).count() == 1
    assert Event.objects.get().scenario.code == "fire_alarm"


def test_process_pending_reads_each_frame_once(unit):
    services.receive_gb26875(
        S1_FIRE_ALARM, source="gb26875_tcp", origin="test", register_unit=unit
    )

    assert services.process_pending() == 0


def test_a_frame_from_a_clock_far_ahead_is_read_at_its_receipt(unit):
    """The HTTP path refuses such a time; a confirmed frame is kept and read."""
    future = datetime(2099, 1, 1, 0, 0, 0)
    frame = gb26875.build(
        serial=7,
        command=codes.COMMAND_SEND_DATA,
        source_address=1,
        destination_address=1,
        sent_at=future,
        app_type=28,
        objects=(gb26875.DeviceClock(future),),
        version_main=1,
        version_user=1,
    )

    receipt = services.receive_gb26875(
        frame, source="gb26875_tcp", origin="test", register_unit=unit
    )

    observation = Observation.objects.get(raw_record=receipt.raw_record)
    assert observation.observed_at == receipt.raw_record.received_at
