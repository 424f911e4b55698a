"""Rule evaluation: every kind of rule, and unknown data as unqualified (LM-11).

The rules and thresholds are the catalog's real version-1 data.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from offsite.catalog.models import PLATFORM_NOTES
from offsite.intake import gateway_services
from offsite.intake.models import Observation, RawRecord
from offsite.monitoring import services as monitoring
from offsite.monitoring.models import CheckResult, Finding
from offsite.registry import services as registry

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=BEIJING)


@pytest.fixture
def device(unit):
    return registry.register_device(
        unit=unit, source_address="0000000000a1", kind="transmission"
    )


def observe(device, name, value, at, *, point="1-1-100"):
    payload = f"{name}={value}@{at.isoformat()}#{point}".encode()
    raw = RawRecord.objects.create(
        source="http",
        origin="test",
        received_at=at,
        payload=payload,
        sha256=hashlib.sha256(payload).hexdigest(),
        dedup_key=hashlib.sha256(payload).hexdigest(),
        status="accepted",
        device=device,
    )
    observation = Observation(
        raw_record=raw,
        device=device,
        point=registry.ensure_point(device=device, code=point) if point else None,
        name=name,
        observed_at=at,
        received_at=at,
    )
    if isinstance(value, bool):
        observation.value_bool = value
    elif isinstance(value, float | int):
        observation.value_number = value
    else:
        observation.value_text = value
    observation.save()
    return monitoring.evaluate([observation], at=at)


def outcomes(results, rule_code):
    return [r.outcome for r in results if r.rule.code == rule_code]


def test_a_fire_alarm_is_a_breach_with_a_finding(device):
    results = observe(device, "fire_alarm", True, T0)

    assert outcomes(results, "fire_alarm") == ["breach"]
    finding = Finding.objects.get()
    assert finding.scenario.code == "fire_alarm"
    assert finding.subject == "point:1-1-100"


def test_no_fire_alarm_is_normal_and_raises_no_finding(device):
    results = observe(device, "fire_alarm", False, T0)

    assert outcomes(results, "fire_alarm") == ["normal"]
    assert Finding.objects.count() == 0


def test_a_value_that_cannot_be_judged_is_unknown_not_a_pass(device):
    # LM-11: data that deviates is unqualified, never a silent pass.
    results = observe(device, "fire_alarm", "garbled", T0)

    assert outcomes(results, "fire_alarm") == ["unknown"]
    assert Finding.objects.get().outcome == "unknown"


def test_low_sprinkler_pressure_waits_for_its_hold_time(device):
    # GB 55036-2022 §4.0.5: at least 0.05 MPa; held 10 minutes before a breach.
    first = observe(device, "pressure_mpa", 0.03, T0)
    later = observe(device, "pressure_mpa", 0.03, T0 + timedelta(minutes=11))

    assert outcomes(first, "sprinkler_pressure") == []
    assert outcomes(later, "sprinkler_pressure") == ["breach"]
    assert later[0].detail["held_since"] == "2026-03-02T01:00:00+00:00"


def test_pressure_back_in_range_is_normal(device):
    results = observe(device, "pressure_mpa", 0.35, T0)

    assert outcomes(results, "sprinkler_pressure") == ["normal"]


def test_a_breach_records_the_thresholds_and_their_sources(device):
    observe(device, "pressure_mpa", 1.5, T0)
    results = observe(device, "pressure_mpa", 1.5, T0 + timedelta(minutes=10))

    detail = results[0].detail
    assert detail["value"] == 1.5
    by_parameter = {t["parameter"]: t for t in detail["thresholds"]}
    assert by_parameter["max"]["value"] == "1.2000"
    assert "GB 50084" in by_parameter["max"]["source"]


def test_a_fault_held_for_a_day_is_found_by_the_sweep(device):
    observe(device, "fault", True, T0)

    assert monitoring.evaluate_held(at=T0 + timedelta(hours=23)) == []
    results = monitoring.evaluate_held(at=T0 + timedelta(hours=24, minutes=1))

    assert outcomes(results, "fault_unrestored") == ["breach"]


def test_a_held_fault_is_found_only_once(device):
    observe(device, "fault", True, T0)
    monitoring.evaluate_held(at=T0 + timedelta(hours=25))

    assert monitoring.evaluate_held(at=T0 + timedelta(hours=26)) == []


def test_a_silent_device_is_a_breach_after_thirty_minutes(device):
    observe(device, "heartbeat", True, T0, point=None)

    assert (
        outcomes(
            monitoring.evaluate_silence(at=T0 + timedelta(minutes=29)),
            "transmission_silent",
        )
        == []
    )
    results = monitoring.evaluate_silence(at=T0 + timedelta(minutes=31))

    assert outcomes(results, "transmission_silent") == ["breach"]
    assert results[0].subject == "device:0000000000a1"


def test_data_after_a_silence_is_normal_again(device):
    observe(device, "heartbeat", True, T0, point=None)
    monitoring.evaluate_silence(at=T0 + timedelta(minutes=31))

    results = observe(device, "heartbeat", True, T0 + timedelta(minutes=40), point=None)

    assert outcomes(results, "transmission_silent") == ["normal"]


def test_a_device_that_never_sent_data_is_not_judged_silent(device):
    assert monitoring.evaluate_silence(at=T0) == []


def test_more_than_five_percent_of_points_shielded_is_a_breach(device):
    for number in range(20):
        registry.ensure_point(device=device, code=f"1-1-{number}")
    observe(device, "shielded", True, T0, point="1-1-0")
    results = observe(device, "shielded", True, T0, point="1-1-1")

    # 2 of 20 points = 10 % > 5 %.
    (ratio,) = [r for r in results if r.rule.code == "shielded_ratio"]
    assert ratio.outcome == "breach"
    assert ratio.detail["share_percent"] == 10.0


def test_more_than_five_faults_a_day_on_one_point_is_a_breach(device):
    results = []
    for number in range(6):
        results = observe(device, "fault", True, T0 + timedelta(minutes=number))

    (repeated,) = [r for r in results if r.rule.code == "fault_repeated"]
    assert repeated.outcome == "breach"
    assert repeated.detail["count"] == 6


def test_unreadable_data_from_a_device_is_unknown(device):
    raw = RawRecord.objects.create(
        source="replay",
        origin="test",
        received_at=T0,
        payload=b"@@broken",
        sha256="0" * 64,
        dedup_key="1" * 64,
        status="rejected",
        reject_reason="checksum: frame says 0x00",
        device=device,
    )

    results = monitoring.record_unreadable(device=device, raw_record=raw)

    assert [(r.rule.code, r.outcome) for r in results] == [
        ("transmission_silent", "unknown")
    ]
    assert CheckResult.objects.get().detail["why"] == "checksum: frame says 0x00"


def test_a_controller_reset_returns_its_fire_alarms_to_normal(device):
    observe(device, "fire_alarm", True, T0, point="1-1-100")
    observe(device, "fire_alarm", True, T0, point="1-1-101")

    results = observe(device, "op_reset", True, T0 + timedelta(minutes=5), point=None)

    reset = sorted(
        (r.subject, r.outcome) for r in results if r.rule.code == "controller_reset_key"
    )
    assert reset == [("point:1-1-100", "normal"), ("point:1-1-101", "normal")]


def test_a_reset_leaves_points_without_alarm_alone(device):
    observe(device, "fire_alarm", False, T0, point="1-1-100")

    results = observe(device, "op_reset", True, T0 + timedelta(minutes=5), point=None)

    assert outcomes(results, "controller_reset_key") == []


def test_an_unanswered_duty_check_is_a_breach_after_ten_minutes(device):
    observe(device, "duty_check_sent", True, T0, point=None)

    assert (
        outcomes(
            monitoring.evaluate_silence(at=T0 + timedelta(minutes=9)),
            "duty_check_unanswered",
        )
        == []
    )
    results = monitoring.evaluate_silence(at=T0 + timedelta(minutes=11))

    assert outcomes(results, "duty_check_unanswered") == ["breach"]
    assert results[0].rule.scenario.code == "control_room_duty"


def test_an_answered_duty_check_is_no_breach(device):
    observe(device, "duty_check_sent", True, T0, point=None)
    observe(device, "duty_check_answer", True, T0 + timedelta(minutes=3), point=None)

    results = monitoring.evaluate_silence(at=T0 + timedelta(minutes=11))

    assert outcomes(results, "duty_check_unanswered") == []


def test_data_from_before_a_threshold_applies_is_not_judged_by_it(device):
    # fault_repeated's numbers are policy defaults effective from 2026-01-01.
    before = datetime(2024, 1, 25, 8, 0, tzinfo=BEIJING)

    results = observe(device, "fault", True, before)

    assert outcomes(results, "fault_repeated") == []


def test_the_platforms_own_notes_are_not_data_from_the_device(device):
    observe(device, "heartbeat", True, T0, point=None)
    observe(device, "offline", True, T0 + timedelta(minutes=20), point=None)
    observe(device, "duty_check_sent", True, T0 + timedelta(minutes=25), point=None)

    results = monitoring.evaluate_silence(at=T0 + timedelta(minutes=31))

    assert outcomes(results, "transmission_silent") == ["breach"]
    after = observe(device, "offline", False, T0 + timedelta(minutes=35), point=None)
    assert outcomes(after, "transmission_silent") == []


def test_the_gateway_writes_only_notes_the_catalog_knows_as_its_own():
    assert {gateway_services.OFFLINE, gateway_services.DUTY_CHECK_SENT} <= set(
        PLATFORM_NOTES
    )
