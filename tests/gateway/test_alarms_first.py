"""A fire alarm is read ahead of the queue, its device's frames still in order.

LM-12: an unqualified and urgent result prompts the unit at once, so a
gateway with a backlog of keep-alives reads the frame that reports a fire
alarm first, together with the earlier frames of the same device.
"""

from __future__ import annotations

from offsite.intake.gateway import DatabaseWorker
from offsite.intake.models import RawRecord
from offsite.intake.services import Receipt
from offsite.protocols import gb26875
from tests.protocols.samples import S1_COMPONENT_FIRE

from .support import FOUR_FAITH, HAIWAN, clock_frame

OTHER, ALARMED = 7, 8


def receipt(data: bytes, device_id: int, name: str) -> Receipt:
    return Receipt(
        raw_record=RawRecord(device_id=device_id, origin=name),
        status="accepted",
        frame=gb26875.decode(data),
    )


def taken(worker: DatabaseWorker) -> list[str]:
    return [r.raw_record.origin for r in worker._take_processing()]


def test_a_fire_alarm_and_its_devices_earlier_frames_are_read_first():
    worker = DatabaseWorker(process_chunk_frames=2)
    backlog = [
        receipt(clock_frame(1, device=FOUR_FAITH), OTHER, "other 1"),
        receipt(clock_frame(1, device=HAIWAN), ALARMED, "alarmed 1"),
        receipt(clock_frame(2, device=FOUR_FAITH), OTHER, "other 2"),
        receipt(S1_COMPONENT_FIRE, ALARMED, "alarmed fire"),
        receipt(clock_frame(3, device=FOUR_FAITH), OTHER, "other 3"),
    ]

    worker.process(backlog)

    assert taken(worker) == ["alarmed 1", "alarmed fire"]
    assert taken(worker) == ["other 1", "other 2"]
    assert taken(worker) == ["other 3"]


def test_without_an_alarm_frames_are_read_in_arrival_order():
    worker = DatabaseWorker(process_chunk_frames=3)
    backlog = [
        receipt(clock_frame(1, device=FOUR_FAITH), OTHER, "other 1"),
        receipt(clock_frame(1, device=HAIWAN), ALARMED, "alarmed 1"),
        receipt(clock_frame(2, device=FOUR_FAITH), OTHER, "other 2"),
    ]

    worker.process(backlog)

    assert taken(worker) == ["other 1", "alarmed 1", "other 2"]
