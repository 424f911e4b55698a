"""Frames the centre builds: replies, requests, and any frame from its fields."""

from __future__ import annotations

from datetime import datetime

import pytest

from offsite.protocols.gb26875 import (
    AnalogValue,
    ComponentStatus,
    FrameError,
    Header,
    LengthError,
    RawObjects,
    SystemStatus,
    acknowledge,
    build,
    clock_sync,
    decode,
    deny,
    description_field,
    duty_check,
    encode,
    heartbeat_reply,
)
from tests.protocols.samples import (
    S1_COMPONENT_FIRE,
    S2_DEVICE_CLOCK,
    S8_CONFIRM,
    S11_VENDOR_HEARTBEAT,
    S12_LIBRARY_FIRE,
    S18_BAD_CHECKSUM,
    frame_with_adu,
)


def test_acknowledge_of_s2_is_the_captured_confirm_s8():
    reply = acknowledge(
        decode(S2_DEVICE_CLOCK), sent_at=datetime(2023, 9, 27, 10, 33, 34)
    )

    assert reply == S8_CONFIRM


def test_deny_echoes_the_serial_with_command_6():
    reply = deny(decode(S1_COMPONENT_FIRE), sent_at=datetime(2023, 9, 25, 15, 33, 43))

    assert reply == bytes.fromhex(
        "4040 4800 0101 2b210f190917 010000000000 010000000000 0000 06 e6 2323"
    )


def test_replies_swap_source_and_destination():
    request = decode(frame_with_adu(b"", serial=9))

    reply = decode(acknowledge(request, sent_at=datetime(2024, 3, 5, 6, 7, 9)))

    assert (reply.header.source_address, reply.header.destination_address) == (2, 1)
    assert reply.header.serial == 9


def test_deny_works_from_the_header_of_a_frame_that_failed():
    with pytest.raises(FrameError) as caught:
        decode(S18_BAD_CHECKSUM)

    reply = decode(deny(caught.value.header, sent_at=datetime(2024, 1, 1)))

    assert reply.header.command == 6
    assert reply.header.serial == 0x0900
    assert reply.header.destination_hex == "36e63b249a00"


def test_heartbeat_reply_is_eight_zero_bytes_between_delimiters():
    reply = heartbeat_reply(decode(S11_VENDOR_HEARTBEAT))

    assert reply.hex() == "404000000000000000002323"


def test_clock_sync_is_type_90_under_command_1():
    frame = clock_sync(
        serial=5,
        source_address=0,
        destination_address=0xFF1280512528,
        clock=datetime(2024, 1, 25, 8, 30, 0),
    )

    assert frame == bytes.fromhex(
        "4040 0500 0100 001e08190118 000000000000 2825518012ff 0800 01"
        " 5a01 001e08190118 49 2323"
    )


def test_duty_check_is_type_91_with_the_timeout_in_minutes():
    frame = duty_check(
        serial=6,
        source_address=0,
        destination_address=1,
        timeout_minutes=10,
        sent_at=datetime(2024, 1, 25, 8, 30, 0),
    )

    assert frame == bytes.fromhex(
        "4040 0600 0100 001e08190118 000000000000 010000000000 0300 04 5b01 0a cd 2323"
    )


def test_duty_check_timeout_of_zero_minutes_is_refused():
    with pytest.raises(FrameError) as caught:
        duty_check(
            serial=1,
            source_address=0,
            destination_address=1,
            timeout_minutes=0,
            sent_at=datetime(2024, 1, 1),
        )

    assert str(caught.value) == "timeout_minutes: 0 is outside 1..255"


def test_build_writes_the_s12_sample_from_its_fields():
    component = ComponentStatus(
        system_type=1,
        system_address=3,
        component_type=0,
        component_address=0x000600D9,
        status=0x0002,
        description_raw=description_field("Ａ区１层呷哺走廊"),
        occurred_at=datetime(2020, 8, 1, 19, 18, 48),
    )

    frame = build(
        serial=0,
        command=2,
        source_address=0,
        destination_address=0x010203040506,
        sent_at=datetime(2020, 10, 22, 17, 13, 24),
        app_type=2,
        objects=[component],
        version_user=1,
    )

    assert frame == S12_LIBRARY_FIRE


def test_encode_takes_a_header_and_ignores_its_adu_length():
    header = decode(S1_COMPONENT_FIRE).header
    stale = Header(**{**header.__dict__, "adu_length": 999})

    assert encode(stale, 2, decode(S1_COMPONENT_FIRE).objects) == S1_COMPONENT_FIRE


def test_encode_of_raw_objects_keeps_their_bytes():
    data = frame_with_adu(bytes.fromhex("cd 01 01 0200 15210f190917"))

    frame = decode(data)

    assert frame.objects == (RawObjects(205, bytes.fromhex("01 0200 15210f190917"), 1),)
    assert encode(frame) == data


def test_encode_refuses_objects_of_another_type():
    header = decode(S1_COMPONENT_FIRE).header
    status = SystemStatus(1, 1, 3, None)

    with pytest.raises(FrameError) as caught:
        encode(header, 2, [status])

    assert str(caught.value) == (
        "objects: type 2 carries ComponentStatus, not SystemStatus"
    )


def test_encode_refuses_an_adu_over_1024_bytes():
    header = decode(S1_COMPONENT_FIRE).header
    component = decode(S1_COMPONENT_FIRE).objects[0]

    with pytest.raises(LengthError) as caught:
        encode(header, 2, [component] * 23)

    assert str(caught.value) == "length: ADU of 1060 bytes is over the 1024 of table 1"


def test_encode_refuses_a_serial_over_16_bits():
    header = Header(70000, 1, 0, None, 1, 2, 0, 3)

    with pytest.raises(FrameError) as caught:
        encode(header)

    assert str(caught.value) == "serial: 70000 does not fit in 2 unsigned byte(s)"


def test_encode_refuses_an_analog_value_over_int16():
    header = Header(1, 1, 0, None, 1, 2, 0, 2)
    analog = AnalogValue(1, 1, 99, 5, 5, 40000, None)

    with pytest.raises(FrameError) as caught:
        encode(header, 3, [analog])

    assert str(caught.value) == "raw_value: 40000 is outside -32768..32767"


def test_description_longer_than_31_bytes_is_refused():
    with pytest.raises(FrameError) as caught:
        description_field("一二三四五六七八九十一二三四五六")

    assert str(caught.value) == "description: 32 bytes in GB18030, at most 31"


def test_no_time_is_written_as_zero_bytes():
    frame = build(
        serial=1, command=3, source_address=1, destination_address=2, sent_at=None
    )

    assert frame[6:12] == bytes(6)
    assert decode(frame).header.sent_at is None


def test_vendor_heartbeat_encodes_to_the_same_bytes():
    assert encode(decode(S11_VENDOR_HEARTBEAT)) == S11_VENDOR_HEARTBEAT
