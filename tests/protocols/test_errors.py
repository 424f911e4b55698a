"""Bad frames are rejected with an error naming the field and the rule (§6.5)."""

from __future__ import annotations

import pytest

from offsite.protocols.gb26875 import (
    DelimiterError,
    FrameError,
    LengthError,
    RawObjects,
    decode,
)
from tests.protocols.samples import S1_COMPONENT_FIRE, frame_with_adu


def test_bad_start_byte_is_a_start_error():
    data = b"\x41" + S1_COMPONENT_FIRE[1:]

    with pytest.raises(DelimiterError) as caught:
        decode(data)

    assert caught.value.field == "start"
    assert str(caught.value) == "start: frame starts with 4140, not 4040 (@@)"


def test_bad_end_byte_is_an_end_error():
    data = S1_COMPONENT_FIRE[:-1] + b"\x24"

    with pytest.raises(DelimiterError) as caught:
        decode(data)

    assert caught.value.field == "end"
    assert str(caught.value) == "end: frame ends with 2324, not 2323 (##)"


def test_truncated_frame_is_a_length_error():
    with pytest.raises(LengthError) as caught:
        decode(S1_COMPONENT_FIRE[:70])

    assert caught.value.field == "length"
    assert str(caught.value) == (
        "length: ADU length 48 means 78 bytes, the frame has 70"
    )


def test_frame_shorter_than_a_header_is_a_length_error():
    with pytest.raises(LengthError) as caught:
        decode(S1_COMPONENT_FIRE[:20])

    assert str(caught.value) == "length: 20 bytes, a frame has at least 30"


def test_adu_length_over_1024_is_a_length_error():
    data = S1_COMPONENT_FIRE[:24] + (1025).to_bytes(2, "little") + b"\x02" + bytes(1028)

    with pytest.raises(LengthError) as caught:
        decode(data)

    assert str(caught.value) == (
        "length: ADU length 1025 is over the 1024 bytes of table 1"
    )


def test_empty_input_is_a_start_error():
    with pytest.raises(DelimiterError) as caught:
        decode(b"")

    assert str(caught.value) == "start: frame starts with nothing, not 4040 (@@)"


def test_reserved_command_is_a_command_error():
    with pytest.raises(FrameError) as caught:
        decode(frame_with_adu(b"", command=7))

    assert caught.value.field == "command"
    assert str(caught.value) == (
        "command: 7 is reserved (table 2 defines 1..6, 128..255 are user-defined)"
    )


def test_user_defined_command_is_accepted():
    frame = decode(frame_with_adu(b"", command=0xFE))

    assert frame.header.command == 254


def test_wrong_object_size_names_the_type_and_size():
    adu = bytes.fromhex("0201") + bytes(45)

    with pytest.raises(FrameError) as caught:
        decode(frame_with_adu(adu))

    assert caught.value.field == "adu"
    assert str(caught.value) == (
        "adu: type 2 (component status): 1 object(s) of 46 bytes need 46 bytes, "
        "the ADU carries 45"
    )


def test_object_count_larger_than_the_objects_is_an_adu_error():
    adu = bytes.fromhex("0102") + bytes(10)

    with pytest.raises(FrameError) as caught:
        decode(frame_with_adu(adu))

    assert caught.value.field == "adu"
    assert "2 object(s) of 10 bytes need 20 bytes" in str(caught.value)


def test_printer_line_cut_short_names_the_missing_part():
    # Type 9, one object: channel, host, 33 33, alarm type, name length 5 but
    # only 2 name bytes follow.
    adu = bytes.fromhex("09 01 00 00 3333 03 05 b8d0")

    with pytest.raises(FrameError) as caught:
        decode(frame_with_adu(adu, version_main=2))

    assert str(caught.value) == (
        "adu: type 9 object 1: name needs 5 byte(s), only 2 left"
    )


def test_bytes_left_after_a_printer_line_are_an_adu_error():
    line = "00 00 3333 01 00 00 00 000000010118 "
    adu = bytes.fromhex("09 01 " + line + "ff")

    with pytest.raises(FrameError) as caught:
        decode(frame_with_adu(adu, version_main=2))

    assert str(caught.value) == (
        "adu: type 9 (parser card printer line (Four-Faith)): 1 byte(s) left "
        "after 1 object(s)"
    )


def test_type_flag_without_object_count_is_an_adu_error():
    with pytest.raises(FrameError) as caught:
        decode(frame_with_adu(b"\x02"))

    assert str(caught.value) == "adu: type 2: the object count byte is missing"


def test_adu_error_keeps_the_header_for_a_deny():
    with pytest.raises(FrameError) as caught:
        decode(frame_with_adu(b"\x02", serial=513))

    assert caught.value.header.serial == 513


def test_every_frame_error_is_a_value_error():
    assert issubclass(FrameError, ValueError)


def test_haiwan_line_fault_type_200_is_kept_raw():
    adu = bytes.fromhex("c8 01 01 15210f190917")

    frame = decode(frame_with_adu(adu))

    assert frame.app_type == 200
    assert frame.objects == (
        RawObjects(app_type=200, data=bytes.fromhex("01 15210f190917"), count=1),
    )


def test_fubei_type_150_of_any_size_is_kept_raw():
    adu = bytes.fromhex("9601") + bytes(range(16))

    frame = decode(frame_with_adu(adu))

    assert frame.objects == (RawObjects(150, bytes(range(16)), 1),)


def test_printer_type_9_in_a_version_1_frame_is_kept_raw():
    adu = bytes.fromhex("09 01 00 00 3333 01 00 00 00 000000010118")

    frame = decode(frame_with_adu(adu, version_main=1))

    assert frame.objects == (
        RawObjects(9, bytes.fromhex("00 00 3333 01 00 00 00 000000010118"), 1),
    )


def test_invalid_time_label_reads_as_no_time():
    adu = bytes.fromhex("1c 01 000000000000")

    frame = decode(frame_with_adu(adu))

    assert frame.objects[0].clock is None
