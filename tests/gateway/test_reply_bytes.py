"""The bytes of the gateway's answers, frame by frame (GB/T 26875.3 §6.2–6.5)."""

from __future__ import annotations

from datetime import datetime

from offsite.intake.gateway import reply_to
from offsite.intake.services import Receipt
from offsite.protocols import gb26875
from tests.protocols.samples import S2_DEVICE_CLOCK, S8_CONFIRM

# Reference S8 was sent at 2023-09-27 10:33:34 (its time label).
S8_SENT_AT = datetime(2023, 9, 27, 10, 33, 34)


def test_the_confirm_of_reference_s2_is_reference_s8_byte_for_byte():
    receipt = Receipt(
        raw_record=None, status="accepted", frame=gb26875.decode(S2_DEVICE_CLOCK)
    )

    assert reply_to(S2_DEVICE_CLOCK, receipt, sent_at=S8_SENT_AT) == S8_CONFIRM


def test_a_retransmission_of_a_stored_frame_is_confirmed_like_the_first():
    receipt = Receipt(
        raw_record=None, status="duplicate", frame=gb26875.decode(S2_DEVICE_CLOCK)
    )

    assert reply_to(S2_DEVICE_CLOCK, receipt, sent_at=S8_SENT_AT) == S8_CONFIRM


def test_a_rejected_frame_is_denied_with_command_6_and_its_serial():
    bad = S2_DEVICE_CLOCK[:-3] + b"\x00" + S2_DEVICE_CLOCK[-2:]
    receipt = Receipt(raw_record=None, status="rejected", reason="checksum: …")

    reply = reply_to(bad, receipt, sent_at=S8_SENT_AT)

    # S8 with command 6 instead of 3, so a checksum 3 higher.
    assert reply == S8_CONFIRM[:26] + bytes([6, 0x92]) + b"##"


def test_a_confirm_from_the_device_gets_no_answer():
    receipt = Receipt(
        raw_record=None, status="accepted", frame=gb26875.decode(S8_CONFIRM)
    )

    assert reply_to(S8_CONFIRM, receipt, sent_at=S8_SENT_AT) == b""
