"""Version 1 of the supervision item list, as the data migration loads it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from offsite.catalog import queries
from offsite.catalog.models import LegalPeriod, Rule, Scenario, Threshold
from offsite.catalog.services import version_problems

pytestmark = pytest.mark.django_db

# LM-13 ¶1: the warning itself forms a case clue. LM-13 ¶2: a warning
# (facility status, fire lanes) or a rectification order (the rest) with a
# deadline. A fire alarm is prompted at once (LM-12) and ends like a warning.
LM13_FAMILIES = {
    "control_room_duty": "clue_on_warning",
    "hot_work": "clue_on_warning",
    "maintenance": "clue_on_warning",
    "qualification": "clue_on_warning",
    "fire_alarm": "warning",
    "facility_status": "warning",
    "water_supply": "warning",
    "fire_lane": "warning",
    "self_inspection": "rectification_order",
    "key_unit_file": "rectification_order",
    "emergency_plan": "rectification_order",
    "duty_log": "rectification_order",
    "emergency_standby": "rectification_order",
}

# IM-12: business, size, layout and professional staff.
EVALUATION_CODES = ["business_type", "scale", "layout", "professional_staff"]


def _rule(scenario_code: str, rule_code: str) -> Rule:
    return Rule.objects.get(
        scenario__version=queries.current_version(),
        scenario__code=scenario_code,
        code=rule_code,
    )


def _value(scenario_code: str, rule_code: str, parameter: str) -> Threshold:
    return queries.thresholds(_rule(scenario_code, rule_code), date(2026, 6, 1))[
        parameter
    ]


def test_current_version_is_version_1_published() -> None:
    version = queries.current_version()

    assert version.number == 1
    assert version.published_at is not None


def test_current_version_holds_the_13_lm_and_4_evaluation_scenarios() -> None:
    codes = set(
        Scenario.objects.filter(version=queries.current_version()).values_list(
            "code", flat=True
        )
    )

    assert codes == set(LM13_FAMILIES) | set(EVALUATION_CODES)


@pytest.mark.parametrize(("code", "family"), sorted(LM13_FAMILIES.items()))
def test_each_lm_scenario_has_the_family_lm13_gives_it(code: str, family: str) -> None:
    assert queries.scenario(code).family == family


@pytest.mark.parametrize("code", EVALUATION_CODES)
def test_evaluation_scenarios_are_graded_evaluation_with_no_procedure(
    code: str,
) -> None:
    scenario = queries.scenario(code)

    assert (scenario.grade, scenario.family, scenario.procedure) == (
        "evaluation",
        "evaluation",
        "none",
    )


def test_clue_on_warning_scenarios_are_disposal_information() -> None:
    grades = {
        code: queries.scenario(code).grade
        for code, family in LM13_FAMILIES.items()
        if family == "clue_on_warning"
    }

    assert grades == {
        "control_room_duty": "disposal",
        "hot_work": "disposal",
        "maintenance": "disposal",
        "qualification": "disposal",
    }


def test_rectification_order_scenarios_use_the_rectification_order_procedure() -> None:
    procedures = {
        code: queries.scenario(code).procedure
        for code, family in LM13_FAMILIES.items()
        if family == "rectification_order"
    }

    assert set(procedures.values()) == {"rectification_order"}


def test_fire_alarm_is_urgent_prompted_at_once_without_confirmation() -> None:
    fire_alarm = queries.scenario("fire_alarm")

    assert fire_alarm.urgent is True
    assert fire_alarm.requires_confirmation is False
    assert fire_alarm.procedure == "immediate_prompt"


def test_only_fire_alarm_is_urgent() -> None:
    urgent = Scenario.objects.filter(
        version=queries.current_version(), urgent=True
    ).values_list("code", flat=True)

    assert list(urgent) == ["fire_alarm"]


def test_scenarios_a_person_must_judge_require_confirmation() -> None:
    # IM-15: video/AI results, certificates, hot work need a person's judgement.
    for code in ["fire_lane", "qualification", "hot_work"]:
        assert queries.scenario(code).requires_confirmation is True, code


def test_device_threshold_scenarios_need_no_confirmation() -> None:
    for code in ["facility_status", "water_supply"]:
        assert queries.scenario(code).requires_confirmation is False, code


def test_deadline_scenarios_carry_a_local_policy_rectification_period() -> None:
    periods = {
        code: (
            queries.scenario(code).rectification_period_value,
            queries.scenario(code).rectification_period_unit,
            queries.scenario(code).rectification_period_is_local_policy_default,
        )
        for code in ["facility_status", "fire_lane", "emergency_plan"]
    }

    assert periods == {
        "facility_status": (3, "working_days", True),
        "fire_lane": (1, "days", True),
        "emergency_plan": (10, "working_days", True),
    }


def test_rectification_period_sources_cite_article_20_by_difficulty() -> None:
    source = queries.scenario("facility_status").rectification_period_source

    assert "第二十条" in source
    assert "难易程度" in source


def test_every_threshold_has_a_source_and_an_effective_date() -> None:
    rows = Threshold.objects.filter(rule__scenario__version=queries.current_version())

    assert rows.count() == 15
    for row in rows:
        assert row.source.strip(), row
        assert row.effective_from is not None, row
        assert row.confidence in {"[C]", "[C-3p]", "[R]", "[I]"}, row


def test_inferred_thresholds_are_local_policy_defaults_from_2026() -> None:
    rows = Threshold.objects.filter(
        rule__scenario__version=queries.current_version(), confidence="[I]"
    )

    assert rows.exists()
    for row in rows:
        assert row.is_local_policy_default is True, row
        assert row.effective_from == date(2026, 1, 1), row


def test_version_1_passes_the_publication_checks() -> None:
    assert version_problems(queries.current_version()) == []


def test_fault_held_for_24_hours_is_a_local_policy_default() -> None:
    rule = _rule("facility_status", "fault_unrestored")
    hold = _value("facility_status", "fault_unrestored", "hold_minutes")

    assert (rule.kind, rule.observation_name) == ("state_held", "fault")
    assert (hold.value, hold.unit) == (Decimal("1440"), "min")
    assert (hold.confidence, hold.is_local_policy_default) == ("[I]", True)


def test_sprinkler_pressure_band_is_0_05_to_1_2_mpa_held_10_minutes() -> None:
    low = _value("water_supply", "sprinkler_pressure", "min")
    high = _value("water_supply", "sprinkler_pressure", "max")
    hold = _value("water_supply", "sprinkler_pressure", "hold_minutes")

    assert (low.value, low.unit, low.confidence) == (Decimal("0.05"), "MPa", "[C]")
    assert "GB 55036-2022" in low.source
    assert (high.value, high.unit, high.confidence) == (Decimal("1.2"), "MPa", "[R]")
    assert "GB 50084-2017" in high.source
    assert hold.value == Decimal("10")


def test_control_room_needs_at_least_two_certified_people_on_duty() -> None:
    rule = _rule("control_room_duty", "staff_on_duty")
    low = _value("control_room_duty", "staff_on_duty", "min")

    assert (rule.kind, rule.observation_name) == (
        "numeric_range",
        "control_room_staff_on_duty",
    )
    assert low.value == Decimal("2")
    assert "GB 25506-2010" in low.source


def test_shielded_ratio_above_5_percent_is_a_breach() -> None:
    ratio = _value("facility_status", "shielded_ratio", "max_ratio_percent")

    assert (ratio.value, ratio.unit) == (Decimal("5"), "%")


def test_transmission_device_silent_for_30_minutes_on_any_observation() -> None:
    rule = _rule("facility_status", "transmission_silent")
    silence = _value("facility_status", "transmission_silent", "silence_minutes")

    assert (rule.kind, rule.observation_name) == ("silence", "*")
    assert silence.value == Decimal("30")


def test_maintenance_record_expected_at_least_once_a_year() -> None:
    silence = _value("maintenance", "annual_inspection_missing", "silence_minutes")

    assert silence.value == Decimal("525600")
    assert "第十六条" in silence.source


def test_self_inspection_record_expected_monthly() -> None:
    silence = _value("self_inspection", "monthly_check_missing", "silence_minutes")

    assert silence.value == Decimal("44640")
    assert "第61号" in silence.source


@pytest.mark.parametrize(
    ("scenario_code", "observation_name"),
    [
        ("qualification", "operator_certificate_valid"),
        ("key_unit_file", "key_unit_file_complete"),
        ("emergency_plan", "emergency_plan_on_file"),
        ("emergency_standby", "emergency_standby_ready"),
    ],
)
def test_facts_whose_absence_is_the_problem_breach_when_false(
    scenario_code: str, observation_name: str
) -> None:
    rule = Rule.objects.get(
        scenario__version=queries.current_version(),
        scenario__code=scenario_code,
        observation_name=observation_name,
    )

    assert (rule.kind, rule.breach_when) == ("registry_fact", "false")


def test_fire_lane_blocked_breaches_when_true() -> None:
    rule = _rule("fire_lane", "fire_lane_blocked")

    assert (rule.kind, rule.observation_name, rule.breach_when) == (
        "state",
        "fire_lane_blocked",
        "true",
    )


@pytest.mark.parametrize(
    ("code", "value", "unit"),
    [
        ("review_hours", 24, "hours"),
        ("clue_assignment_hours", 24, "hours"),
        ("investigation_working_days", 3, "working_days"),
        ("review_request_window_days", 15, "days"),
        ("review_request_answer_working_days", 3, "working_days"),
    ],
)
def test_the_five_legal_periods(code: str, value: int, unit: str) -> None:
    period = queries.legal_period(code, date(2026, 3, 2))

    assert (period.value, period.unit) == (value, unit)
    assert period.effective_from == date(2026, 1, 1)
    assert period.is_local_policy_default is False


def test_legal_period_sources_cite_the_linkage_measures_article() -> None:
    sources = {
        period.code: period.source
        for period in LegalPeriod.objects.filter(effective_from=date(2026, 1, 1))
    }

    assert "第十二条" in sources["review_hours"]
    assert "第十三条" in sources["clue_assignment_hours"]
    assert "第十三条" in sources["investigation_working_days"]
    assert "第十四条" in sources["review_request_window_days"]
    assert "第十四条" in sources["review_request_answer_working_days"]
