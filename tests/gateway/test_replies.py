"""The gateway stores, then answers: confirm, deny or heartbeat (IM-6, IM-7).

GB/T 26875.3 §6.2–6.5: the centre confirms an upload with command 3 and
denies a frame that fails verification with command 6, echoing the serial.
"""

from __future__ import annotations

import hashlib

import pytest

from offsite.intake.models import DuplicateCount, RawRecord
from tests.protocols.samples import S2_DEVICE_CLOCK, S8_CONFIRM, S11_VENDOR_HEARTBEAT

from .support import FOUR_FAITH, HAIWAN, Device, clock_frame, command_of, serial_of

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

S2_BAD_CHECKSUM = S2_DEVICE_CLOCK[:-3] + b"\x00" + S2_DEVICE_CLOCK[-2:]


def test_an_upload_is_confirmed_with_its_serial_echoed(start_gateway, register_device):
    register_device(HAIWAN)
    gateway = start_gateway()
    device = Device(gateway.port)

    device.send(S2_DEVICE_CLOCK)
    [reply] = device.receive(1)

    # S8 but for its time label (bytes 6..11, the centre's clock) and checksum.
    assert len(reply) == 30
    assert reply[:6] == S8_CONFIRM[:6]
    assert reply[12:27] == S8_CONFIRM[12:27]
    assert reply[-2:] == b"##"


def test_an_upload_is_stored_before_it_is_confirmed(start_gateway, register_device):
    register_device(HAIWAN)
    gateway = start_gateway()
    device = Device(gateway.port)

    device.send(S2_DEVICE_CLOCK)
    device.receive(1)
    gateway.stop()

    record = RawRecord.objects.get()
    assert bytes(record.payload) == S2_DEVICE_CLOCK
    assert (record.source, record.status) == ("gb26875_tcp", "accepted")
    assert record.device.source_address == HAIWAN


def test_frames_sent_one_byte_at_a_time_are_each_confirmed(
    start_gateway, register_device
):
    register_device(HAIWAN)
    gateway = start_gateway()
    device = Device(gateway.port)

    device.send_bytewise(clock_frame(1) + clock_frame(2, minute=1) + clock_frame(3))
    replies = device.receive(3)

    assert [serial_of(r) for r in replies] == [1, 2, 3]
    assert [command_of(r) for r in replies] == [3, 3, 3]


def test_two_frames_in_one_chunk_get_two_confirms(start_gateway, register_device):
    register_device(HAIWAN)
    gateway = start_gateway()
    device = Device(gateway.port)

    device.send(clock_frame(7) + clock_frame(8, minute=1))
    replies = device.receive(2)

    assert [(serial_of(r), command_of(r)) for r in replies] == [(7, 3), (8, 3)]


def test_a_frame_with_a_bad_checksum_is_denied(start_gateway, register_device):
    register_device(HAIWAN)
    gateway = start_gateway()
    device = Device(gateway.port)

    device.send(S2_BAD_CHECKSUM)
    [reply] = device.receive(1)

    assert (command_of(reply), serial_of(reply)) == (6, 0)


def test_a_frame_with_a_bad_checksum_is_kept_rejected(start_gateway, register_device):
    register_device(HAIWAN)
    gateway = start_gateway()
    device = Device(gateway.port)

    device.send(S2_BAD_CHECKSUM)
    device.receive(1)
    gateway.stop()

    record = RawRecord.objects.get()
    assert bytes(record.payload) == S2_BAD_CHECKSUM
    assert record.status == "rejected"
    assert record.reject_reason.startswith("checksum:")


def test_a_frame_from_an_unregistered_device_is_denied_and_kept(start_gateway):
    gateway = start_gateway()
    device = Device(gateway.port)

    device.send(S2_DEVICE_CLOCK)
    [reply] = device.receive(1)
    gateway.stop()

    assert command_of(reply) == 6
    assert RawRecord.objects.get().status == "rejected"


def test_a_retransmitted_frame_is_confirmed_again(start_gateway, register_device):
    register_device(HAIWAN)
    gateway = start_gateway()
    device = Device(gateway.port)

    device.send(S2_DEVICE_CLOCK)
    first = device.receive(1)
    device.send(S2_DEVICE_CLOCK)
    second = device.receive(1)

    assert [command_of(r) for r in first + second] == [3, 3]
    assert [serial_of(r) for r in first + second] == [0, 0]


def test_a_retransmitted_frame_is_stored_once_and_counted_duplicate(
    start_gateway, register_device
):
    register_device(HAIWAN)
    gateway = start_gateway()
    device = Device(gateway.port)

    for _ in range(3):
        device.send(S2_DEVICE_CLOCK)
        device.receive(1)
    gateway.stop()

    digest = hashlib.sha256(S2_DEVICE_CLOCK).hexdigest()
    assert RawRecord.objects.filter(sha256=digest).count() == 1
    assert DuplicateCount.objects.get(source="gb26875_tcp").count == 2


def test_the_four_faith_heartbeat_gets_the_vendor_reply(start_gateway, register_device):
    register_device(FOUR_FAITH)
    gateway = start_gateway()
    device = Device(gateway.port)

    device.send(S11_VENDOR_HEARTBEAT)
    [reply] = device.receive(1)

    # Four-Faith extension §12: `@@`, eight zero bytes, `##`.
    assert reply == bytes.fromhex("404000000000000000002323")


def test_a_confirm_from_a_device_is_not_answered(start_gateway, register_device):
    register_device(HAIWAN)
    gateway = start_gateway()
    device = Device(gateway.port)

    device.send(S8_CONFIRM + S2_DEVICE_CLOCK)
    [reply] = device.receive(1)

    # Only S2 is answered; a reply to a reply would never end.
    assert (command_of(reply), serial_of(reply)) == (3, 0)
    device.socket.settimeout(0.3)
    with pytest.raises(TimeoutError):
        device.receive(1, timeout_seconds=0.3)


def test_bytes_outside_any_frame_are_kept_rejected_and_not_answered(
    start_gateway, register_device
):
    register_device(HAIWAN)
    gateway = start_gateway()
    device = Device(gateway.port)

    device.send(b"AT+CSQ\r\n" + S2_DEVICE_CLOCK)
    [reply] = device.receive(1)
    gateway.stop()

    assert command_of(reply) == 3
    unframed = RawRecord.objects.get(status="rejected")
    assert bytes(unframed.payload) == b"AT+CSQ\r\n"
    assert unframed.reject_reason == (
        "stream: 8 bytes outside any frame (no '@@' start, "
        "or no '##' end where the length field says)"
    )
    assert RawRecord.objects.get(status="accepted").sha256 == (
        hashlib.sha256(S2_DEVICE_CLOCK).hexdigest()
    )


def test_a_peer_sending_only_noise_is_dropped_with_its_bytes_kept(start_gateway):
    gateway = start_gateway()
    device = Device(gateway.port)
    noise = b"AT+CSQ\r\n" * 9000  # 72 000 bytes, no "@@" in them, repeating

    device.send(noise)

    assert device.closed_by_gateway()
    gateway.stop()
    kept = b"".join(
        bytes(r.payload) for r in RawRecord.objects.filter(status="rejected")
    )
    assert len(kept) > 64 * 1024
    assert noise.startswith(kept)


def test_a_frame_left_unfinished_when_the_link_closes_is_kept(start_gateway):
    gateway = start_gateway()
    device = Device(gateway.port)
    unfinished = S2_DEVICE_CLOCK[:25]

    device.send(unfinished)
    device.close()
    gateway.stop()

    kept = RawRecord.objects.get()
    assert bytes(kept.payload) == unfinished
    assert kept.status == "rejected"
    assert kept.reject_reason.startswith("stream: 25 bytes outside any frame")
