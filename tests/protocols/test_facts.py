"""Frames become canonical facts: states true and false, values in canonical units."""

from __future__ import annotations

from datetime import datetime

import pytest

from offsite.protocols.gb26875 import Fact, PointRef, decode, facts
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
    frame_with_adu,
)

# The send time of every frame built by `frame_with_adu`.
SENT_AT = datetime(2024, 3, 5, 6, 7, 8)
# Time label 2024-03-05 06:00:00 for objects built here.
AT_HEX = "000006050318"
AT = datetime(2024, 3, 5, 6, 0, 0)

S1_POINT = PointRef(
    code="1-1-20101165",
    name="",
    system_type=1,
    system_address=1,
    component_type=17,
    component_address=20101165,
)


def by_name(found: list[Fact]) -> dict[str, Fact]:
    return {fact.name: fact for fact in found}


def analog_frame(analog_type: int, raw_value: int, *, version_main: int = 1) -> bytes:
    # sys 1, addr 1, component type 128, address 7, then type, value, time.
    body = bytes.fromhex("01 01 80 07000000") + bytes((analog_type,))
    body += raw_value.to_bytes(2, "little", signed=True) + bytes.fromhex(AT_HEX)
    return frame_with_adu(bytes.fromhex("03 01") + body, version_main=version_main)


def test_s1_fire_alarm_is_true_at_point_1_1_20101165():
    found = by_name(facts(decode(S1_COMPONENT_FIRE)))

    assert found["fire_alarm"] == Fact(
        "fire_alarm", True, datetime(2023, 9, 25, 15, 33, 21), S1_POINT
    )


def test_s1_reports_every_component_state_true_or_false():
    found = facts(decode(S1_COMPONENT_FIRE))

    assert [(fact.name, fact.value) for fact in found] == [
        ("test_mode", False),
        ("fire_alarm", True),
        ("fault", False),
        ("shielded", False),
        ("supervisory", False),
        ("started", False),
        ("feedback", False),
        ("delayed", False),
        ("main_power_fault", False),
    ]


def test_component_power_fault_bit_8_is_main_power_fault():
    component = "01 01 17 01000000 0101" + "20" * 31 + AT_HEX
    frame = decode(frame_with_adu(bytes.fromhex("02 01" + component)))

    assert by_name(facts(frame))["main_power_fault"].value is True


def test_s12_point_is_named_by_its_description():
    found = by_name(facts(decode(S12_LIBRARY_FIRE)))

    assert found["fire_alarm"].point.code == "1-3-393433"
    assert found["fire_alarm"].point.name == "Ａ区１层呷哺走廊"
    assert found["test_mode"].value is True


def test_s3_reports_fourteen_system_states_with_reset_set():
    found = facts(decode(S3_SYSTEM_RESET))

    assert len(found) == 14
    assert {fact.name for fact in found if fact.value} == {"reset"}
    assert found[0].point == PointRef("1-0", system_type=1, system_address=0)
    assert found[0].observed_at == datetime(2023, 9, 25, 16, 16, 20)


def test_system_bits_8_to_12_are_power_bus_manual_and_config():
    status = (1 << 8 | 1 << 9 | 1 << 10 | 1 << 11 | 1 << 12 | 1).to_bytes(2, "little")
    adu = bytes.fromhex("01 01 01 00") + status + bytes.fromhex(AT_HEX)

    found = facts(decode(frame_with_adu(adu)))

    assert {fact.name for fact in found if fact.value} == {
        "main_power_fault",
        "backup_power_fault",
        "bus_fault",
        "manual_mode",
        "config_changed",
    }


def test_device_status_facts_are_about_the_device_itself():
    # Type 21, status 0x29: normal, main power fault (bit 3), channel fault (bit 5).
    frame = decode(frame_with_adu(bytes.fromhex("15 01 29" + AT_HEX)))

    found = facts(frame)

    assert [(fact.name, fact.value) for fact in found] == [
        ("test_mode", False),
        ("fire_alarm", False),
        ("fault", False),
        ("main_power_fault", True),
        ("backup_power_fault", False),
        ("channel_fault", True),
        ("line_fault", False),
    ]
    assert {fact.point for fact in found} == {None}
    assert {fact.observed_at for fact in found} == {AT}


def test_s5_silence_is_an_operation_fact_at_the_system_point():
    assert facts(decode(S5_FACILITY_SILENCE)) == [
        Fact(
            "op_silence",
            True,
            datetime(2023, 9, 25, 16, 15, 10),
            PointRef("1-1", system_type=1, system_address=1),
        )
    ]


def test_facility_operation_bit_5_is_acknowledged():
    frame = decode(frame_with_adu(bytes.fromhex("04 01 01 01 20 03" + AT_HEX)))

    assert [fact.name for fact in facts(frame)] == ["op_acknowledged"]


def test_s6_device_reset_has_no_point():
    assert facts(decode(S6_DEVICE_RESET)) == [
        Fact("op_reset", True, datetime(2023, 9, 25, 16, 16, 38), None)
    ]


def test_device_operation_bit_5_is_a_duty_check_answer():
    frame = decode(frame_with_adu(bytes.fromhex("18 01 21 02" + AT_HEX)))

    assert facts(frame) == [
        Fact("duty_check_answer", True, AT, None),
        Fact("op_reset", True, AT, None),
    ]


@pytest.mark.parametrize(
    ("sample", "observed_at"),
    [
        (S2_DEVICE_CLOCK, datetime(2023, 9, 27, 10, 32, 52)),
        (S9_FACILITY_CLOCK, datetime(2024, 1, 25, 8, 23, 53)),
        (S11_VENDOR_HEARTBEAT, None),
    ],
)
def test_clocks_and_vendor_heartbeat_are_heartbeats(sample, observed_at):
    assert facts(decode(sample)) == [Fact("heartbeat", True, observed_at, None)]


def test_confirm_and_requests_report_nothing():
    assert facts(decode(S8_CONFIRM)) == []
    assert facts(decode(S13_INIT_REQUEST)) == []


@pytest.mark.parametrize(
    ("analog_type", "raw_value", "name", "value"),
    [
        (1, 12, "event_count", 12.0),
        (2, 250, "level_m", 2.5),
        (3, -55, "temperature_c", -5.5),
        (4, 6, "pressure_mpa", 0.6),
        (5, 3500, "pressure_mpa", 0.35),
        (6, 125, "gas_lel_percent", 12.5),
        (7, 90, "time_s", 90.0),
        (8, 2200, "voltage_v", 220.0),
        (9, 15, "current_a", 1.5),
        (10, 33, "flow_l_s", 3.3),
        (11, 120, "air_volume_m3_min", 12.0),
        (12, 4, "wind_speed_m_s", 4.0),
        (99, 321, "analog_99", 321.0),
    ],
)
def test_standard_analog_types_in_canonical_units(analog_type, raw_value, name, value):
    [fact] = facts(decode(analog_frame(analog_type, raw_value)))

    assert (fact.name, fact.value) == (name, value)
    assert fact.point.code == "1-1-7"
    assert fact.observed_at == AT


@pytest.mark.parametrize(
    ("analog_type", "raw_value", "name", "value"),
    [
        (128, -71, "signal_dbm", -71.0),
        (130, 150, "residual_current_ma", 150.0),
        (137, 80, "residual_current_5_ma", 80.0),
        (134, 253, "temperature_c", 25.3),
        (141, 301, "temperature_2_c", 30.1),
        (136, 3600, "battery_mv", 3600.0),
        (148, 2301, "phase_a_voltage_v", 230.1),
        (153, 150, "phase_c_current_a", 1.5),
        (154, 235, "level_m", 2.35),
        (155, 40, "analog_155", 40.0),
    ],
)
def test_four_faith_analog_types_in_canonical_units(
    analog_type, raw_value, name, value
):
    frame = decode(analog_frame(analog_type, raw_value, version_main=2))

    [fact] = facts(frame)

    assert (fact.name, fact.value) == (name, value)


def test_vendor_analog_code_in_a_version_1_frame_stays_raw():
    [fact] = facts(decode(analog_frame(154, 235, version_main=1)))

    assert (fact.name, fact.value) == ("analog_154", 235.0)


def test_four_faith_water_pressure_above_limit_is_not_a_fire_alarm():
    # Component type 128 (消防水压), status bit 1: above the upper limit.
    component = "83 01 80 05000000 0200" + "00" * 31 + AT_HEX
    frame = decode(frame_with_adu(bytes.fromhex("02 01" + component), version_main=2))

    found = facts(frame)

    assert [(fact.name, fact.value) for fact in found] == [
        ("below_low_limit", False),
        ("above_high_limit", True),
        ("battery_low", False),
    ]


def test_same_component_in_a_version_1_frame_follows_the_standard():
    component = "83 01 80 05000000 0200" + "00" * 31 + AT_HEX
    frame = decode(frame_with_adu(bytes.fromhex("02 01" + component), version_main=1))

    assert by_name(facts(frame))["fire_alarm"].value is True


def test_four_faith_channel_component_status_point_carries_the_channel():
    # Type 131: component fields, description, channel type 1, channel 2, time.
    component = "81 01 11 09000000 0500" + "00" * 31 + "01 02" + AT_HEX
    frame = decode(frame_with_adu(bytes.fromhex("83 01" + component), version_main=2))

    found = by_name(facts(frame))

    assert found["fault"].value is True
    assert found["fault"].point.code == "129-1-9-ch1.2"


def test_four_faith_channel_system_status():
    adu = "82 01 81 01 0300 02 01" + AT_HEX
    frame = decode(frame_with_adu(bytes.fromhex(adu), version_main=2))

    found = by_name(facts(frame))

    assert found["fire_alarm"].value is True
    assert found["fire_alarm"].point.code == "129-1-ch2.1"


def test_four_faith_channel_analog_value():
    adu = "84 01 81 01 11 09000000 82 9600 01 03" + AT_HEX
    frame = decode(frame_with_adu(bytes.fromhex(adu), version_main=2))

    assert facts(frame) == [
        Fact(
            "residual_current_ma",
            150.0,
            AT,
            PointRef("129-1-9-ch1.3", "", 129, 1, 17, 9),
        )
    ]


def test_printer_fire_line_is_a_fire_alarm_with_its_text(captures_dir):
    line = (captures_dir / "sixin-b28.hex").read_text().splitlines()[3]

    found = facts(decode(bytes.fromhex(line)))

    point = PointRef(code="0-0-感温探测器-2137 电池间", name="感温探测器")
    assert found == [
        Fact("fire_alarm", True, datetime(2024, 1, 12, 15, 23, 0), point),
        Fact(
            "printer_text",
            "感温探测器 | 2137 电池间 | 首次火警",
            datetime(2024, 1, 12, 15, 23, 0),
            point,
        ),
    ]


def test_printer_operation_line_without_bit_0_hints_test_mode(captures_dir):
    line = (captures_dir / "sixin-m6a.hex").read_text().splitlines()[8]

    found = facts(decode(bytes.fromhex(line)))

    assert [(fact.name, fact.value) for fact in found[:2]] == [
        ("op_other", True),
        ("test_mode", True),
    ]
    assert found[2].value == (
        "其它设备 | 机房５－２空采故 | 000区域000楼层0000房间014回路177地址反馈收到"
    )


def test_printer_line_point_code_is_cut_to_64_characters():
    name = "名" * 40
    location = "位" * 40
    text = name.encode("gb18030"), location.encode("gb18030")
    body = bytes.fromhex("00 01 3333 05") + bytes((80,)) + text[0] + bytes((80,))
    body += text[1] + bytes((0,)) + bytes.fromhex(AT_HEX)
    frame = decode(frame_with_adu(b"\x09\x01" + body, version_main=2))

    [fault, _] = facts(frame)

    assert fault.point.code == "0-1-" + "名" * 40 + "-" + "位" * 19
    assert len(fault.point.code) == 64


def test_versions_and_configurations_are_text_facts():
    version = facts(decode(frame_with_adu(bytes.fromhex("05 01 01 02 03 07"))))
    device_version = facts(decode(frame_with_adu(bytes.fromhex("19 01 02 0a"))))
    config = "06 01 01 02 04" + "c5e4d6c3".ljust(8, "0")
    system_config = facts(decode(frame_with_adu(bytes.fromhex(config))))
    device_config = facts(decode(frame_with_adu(bytes.fromhex("1a 01 03 414243"))))

    assert version == [
        Fact("software_version", "3.7", SENT_AT, PointRef("1-2", "", 1, 2))
    ]
    assert device_version == [Fact("software_version", "2.10", SENT_AT, None)]
    assert system_config == [
        Fact("config_text", "配置", SENT_AT, PointRef("1-2", "", 1, 2))
    ]
    assert device_config == [Fact("config_text", "ABC", SENT_AT, None)]


def test_component_configuration_is_a_text_fact_at_the_component():
    description = "一楼走廊".encode("gb18030").ljust(31, b" ").hex()
    adu = bytes.fromhex("07 01 01 01 2a 0c000000" + description)

    found = facts(decode(frame_with_adu(adu)))

    assert found == [
        Fact(
            "config_text",
            "一楼走廊",
            SENT_AT,
            PointRef("1-1-12", "一楼走廊", 1, 1, 42, 12),
        )
    ]


def test_vendor_object_is_one_fact_with_its_type_and_hex():
    frame = decode(frame_with_adu(bytes.fromhex("c8 01 01" + AT_HEX)))

    assert facts(frame) == [
        Fact("vendor_object", "type 200: 01000006050318", SENT_AT, None)
    ]


def test_a_parser_card_reset_line_is_a_reset_of_the_device():
    # sixin-b28.hex line 7: alarm type 0b0001, info "系统复位".
    frame = decode(
        bytes.fromhex(
            "4040050002031c19070c01180925518012ff00000000000018000209010000333301"
            "000008cfb5cdb3b8b4cebb00190f0c0118542323"
        )
    )

    resets = [f for f in facts(frame) if f.name == "op_reset"]

    assert [(f.value, f.point) for f in resets] == [(True, None)]
