"""The reference samples (reference/gb26875.md §6) decode to their stated values."""

from __future__ import annotations

from datetime import datetime

import pytest

from offsite.protocols.gb26875 import (
    ChecksumError,
    ComponentStatus,
    DeviceClock,
    DeviceOperation,
    DeviceQuery,
    FacilityClock,
    FacilityOperation,
    Header,
    SystemStatus,
    VendorHeartbeat,
    decode,
    encode,
)
from tests.protocols.samples import (
    S1_COMPONENT_FIRE,
    S2_DEVICE_CLOCK,
    S3_SYSTEM_RESET,
    S5_FACILITY_SILENCE,
    S6_DEVICE_RESET,
    S8_CONFIRM,
    S9_FACILITY_CLOCK,
    S11_VENDOR_HEARTBEAT,
    S12_LIBRARY_FIRE,
    S13_INIT_REQUEST,
    S18_BAD_CHECKSUM,
    VALID_SAMPLES,
)


def test_s1_header():
    frame = decode(S1_COMPONENT_FIRE)

    assert frame.header == Header(
        serial=72,
        version_main=1,
        version_user=1,
        sent_at=datetime(2023, 9, 25, 15, 33, 42),
        source_address=1,
        destination_address=1,
        adu_length=48,
        command=2,
    )
    assert frame.source_hex == "000000000001"


def test_s1_is_a_fire_alarm_of_component_20101165():
    frame = decode(S1_COMPONENT_FIRE)

    assert frame.app_type == 2
    [component] = frame.objects
    assert isinstance(component, ComponentStatus)
    assert component.system_type == 1
    assert component.system_address == 1
    assert component.component_type == 17
    assert component.component_address == 20101165
    assert component.status == 0x0003
    assert component.states == frozenset({"fire_alarm"})
    assert component.description == ""
    assert component.description_raw == b" " * 31
    assert component.occurred_at == datetime(2023, 9, 25, 15, 33, 21)


def test_s2_is_the_device_clock_keep_alive():
    frame = decode(S2_DEVICE_CLOCK)

    assert frame.header.serial == 0
    assert frame.header.sent_at == datetime(2023, 9, 27, 10, 32, 52)
    assert frame.app_type == 28
    assert frame.objects == (DeviceClock(datetime(2023, 9, 27, 10, 32, 52)),)


def test_s3_is_a_system_reset():
    frame = decode(S3_SYSTEM_RESET)

    assert frame.header.serial == 7
    assert frame.objects == (
        SystemStatus(
            system_type=1,
            system_address=0,
            status=0x2001,
            occurred_at=datetime(2023, 9, 25, 16, 16, 20),
        ),
    )
    assert frame.objects[0].states == frozenset({"reset"})


def test_s5_is_a_facility_silence():
    frame = decode(S5_FACILITY_SILENCE)

    assert frame.header.serial == 5
    assert frame.objects == (
        FacilityOperation(
            system_type=1,
            system_address=1,
            flags=0x02,
            operator=0,
            occurred_at=datetime(2023, 9, 25, 16, 15, 10),
        ),
    )
    assert frame.objects[0].operations == frozenset({"op_silence"})


def test_s6_is_a_device_reset_by_operator_1():
    frame = decode(S6_DEVICE_RESET)

    assert frame.header.serial == 16
    assert frame.objects == (
        DeviceOperation(
            flags=0x01, operator=1, occurred_at=datetime(2023, 9, 25, 16, 16, 38)
        ),
    )
    assert frame.objects[0].operations == frozenset({"op_reset"})


def test_s8_is_an_empty_confirm_echoing_serial_0():
    frame = decode(S8_CONFIRM)

    assert frame.header.command == 3
    assert frame.header.serial == 0
    assert frame.header.adu_length == 0
    assert frame.header.sent_at == datetime(2023, 9, 27, 10, 33, 34)
    assert frame.app_type is None
    assert frame.objects == ()


def test_s9_is_a_four_faith_facility_clock():
    frame = decode(S9_FACILITY_CLOCK)

    assert frame.header.version_main == 2
    assert frame.header.version_user == 3
    assert frame.header.serial == 2
    assert frame.source_hex == "ff1280512528"
    assert frame.header.sent_at == datetime(2024, 1, 25, 8, 23, 53)
    assert frame.objects == (FacilityClock(0, 0, datetime(2024, 1, 25, 8, 23, 53)),)


def test_s11_is_a_four_faith_heartbeat():
    heartbeat = decode(S11_VENDOR_HEARTBEAT)

    assert heartbeat == VendorHeartbeat(
        source_address=0xFF1280512507,
        comm_module=4,
        system_type=136,
        raw=S11_VENDOR_HEARTBEAT,
    )
    assert heartbeat.source_hex == "ff1280512507"


def test_s12_is_a_fire_alarm_described_in_gb18030():
    frame = decode(S12_LIBRARY_FIRE)

    assert frame.header.serial == 0
    assert frame.header.version_main == 1
    assert frame.header.version_user == 1
    assert frame.header.sent_at == datetime(2020, 10, 22, 17, 13, 24)
    assert frame.header.destination_address == 0x010203040506
    [component] = frame.objects
    assert component.system_type == 1
    assert component.system_address == 3
    assert component.component_type == 0
    assert component.component_address == 0x000600D9
    assert component.status == 0x0002
    assert component.description == "Ａ区１层呷哺走廊"
    assert component.occurred_at == datetime(2020, 8, 1, 19, 18, 48)


def test_s12_without_bit_0_is_an_alarm_with_a_test_mode_hint():
    [component] = decode(S12_LIBRARY_FIRE).objects

    assert component.states == frozenset({"fire_alarm", "test_mode"})


def test_s13_is_an_init_request():
    frame = decode(S13_INIT_REQUEST)

    assert frame.header.command == 4
    assert frame.header.serial == 1
    assert frame.header.sent_at == datetime(2021, 7, 2, 9, 0, 5)
    assert frame.header.source_address == 0x000102030405
    assert frame.header.destination_address == 0x060708090A0B
    assert frame.app_type == 89
    assert frame.objects == (DeviceQuery(reserved=0),)


def test_s18_fails_its_checksum_naming_0x2d():
    with pytest.raises(ChecksumError) as caught:
        decode(S18_BAD_CHECKSUM)

    assert caught.value.field == "checksum"
    assert str(caught.value) == "checksum: frame says 0x00, bytes 2..74 sum to 0x2d"


def test_s18_error_keeps_the_header_for_a_deny():
    with pytest.raises(ChecksumError) as caught:
        decode(S18_BAD_CHECKSUM)

    assert caught.value.header.serial == 0x0900
    assert caught.value.header.command == 2


@pytest.mark.parametrize("name", sorted(VALID_SAMPLES))
def test_sample_encodes_to_the_same_bytes(name):
    data = VALID_SAMPLES[name]

    assert encode(decode(data)) == data
