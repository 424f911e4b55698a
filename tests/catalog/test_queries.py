"""Reading the item list: rules by observation, thresholds and periods by date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction

from offsite.catalog import queries
from offsite.catalog.models import LegalPeriod, Rule, Scenario, Threshold

pytestmark = pytest.mark.django_db


def _codes(rules: list[Rule]) -> set[str]:
    return {f"{rule.scenario.code}/{rule.code}" for rule in rules}


def _pressure_rule() -> Rule:
    return Rule.objects.get(
        scenario__version=queries.current_version(), code="sprinkler_pressure"
    )


def test_rules_for_fire_alarm_return_the_fire_alarm_rule() -> None:
    rules = queries.rules_for_observation("fire_alarm")

    assert "fire_alarm/fire_alarm" in _codes(rules)


def test_rules_for_an_observation_include_silence_on_any_observation() -> None:
    assert _codes(queries.rules_for_observation("pressure_mpa")) == {
        "water_supply/sprinkler_pressure",
        "facility_status/transmission_silent",
    }


def test_rules_for_an_observation_carry_their_scenario() -> None:
    (rule,) = [
        r
        for r in queries.rules_for_observation("fire_lane_blocked")
        if r.kind == "state"
    ]

    assert rule.scenario.code == "fire_lane"


def test_rules_for_an_unknown_observation_are_only_the_any_silence_rules() -> None:
    assert _codes(queries.rules_for_observation("no_such_observation")) == {
        "facility_status/transmission_silent"
    }


def test_silence_rules_are_those_of_the_current_version() -> None:
    assert _codes(queries.silence_rules()) == {
        "facility_status/transmission_silent",
        "control_room_duty/duty_check_unanswered",
        "maintenance/annual_inspection_missing",
        "self_inspection/monthly_check_missing",
        "duty_log/daily_log_missing",
    }


def test_current_rules_cover_every_rule_of_the_current_version() -> None:
    assert len(queries.current_rules()) == 25


def test_scenario_unknown_code_names_code_and_version() -> None:
    with pytest.raises(Scenario.DoesNotExist, match=r"'no_such' in catalog version v1"):
        queries.scenario("no_such")


def test_thresholds_pick_the_row_in_effect_on_each_date() -> None:
    rule = _pressure_rule()
    Threshold.objects.create(
        rule=rule,
        parameter="min",
        value=Decimal("0.10"),
        unit="MPa",
        source="test: a later, stricter limit",
        confidence="[I]",
        is_local_policy_default=True,
        effective_from=date(2027, 1, 1),
    )

    before = queries.thresholds(rule, date(2026, 12, 31))["min"]
    on_the_day = queries.thresholds(rule, date(2027, 1, 1))["min"]

    assert before.value == Decimal("0.05")
    assert on_the_day.value == Decimal("0.10")


def test_thresholds_omit_parameters_not_yet_in_effect() -> None:
    # The 10-minute hold is a policy default from 2026-01-01; the limits are
    # older (GB 50084-2017 from 2018, GB 55036-2022 from 2023).
    in_2024 = queries.thresholds(_pressure_rule(), date(2024, 6, 1))

    assert sorted(in_2024) == ["max", "min"]


def test_thresholds_before_any_source_applies_are_empty() -> None:
    assert queries.thresholds(_pressure_rule(), date(2017, 12, 31)) == {}


def test_a_rule_added_to_the_current_version_is_seen_at_once() -> None:
    queries.rules_for_observation("fire_alarm")
    scenario = queries.scenario("fire_alarm")
    Rule.objects.create(
        scenario=scenario,
        code="alarm_again",
        kind="state",
        observation_name="fire_alarm",
    )

    assert "fire_alarm/alarm_again" in _codes(
        queries.rules_for_observation("fire_alarm")
    )


def test_a_rolled_back_rule_does_not_stay_in_the_cache() -> None:
    scenario = queries.scenario("fire_alarm")
    with pytest.raises(RuntimeError), transaction.atomic():
        Rule.objects.create(
            scenario=scenario,
            code="rolled_back",
            kind="state",
            observation_name="fire_alarm",
        )
        assert "fire_alarm/rolled_back" in _codes(
            queries.rules_for_observation("fire_alarm")
        )
        raise RuntimeError("roll back")

    assert "fire_alarm/rolled_back" not in _codes(
        queries.rules_for_observation("fire_alarm")
    )


def test_legal_period_picks_the_row_in_effect_on_each_date() -> None:
    LegalPeriod.objects.create(
        code="review_hours",
        name="审核确认时限",
        value=12,
        unit="hours",
        source="test: a later amendment",
        effective_from=date(2027, 7, 1),
    )

    assert queries.legal_period("review_hours", date(2027, 6, 30)).value == 24
    assert queries.legal_period("review_hours", date(2027, 7, 1)).value == 12


def test_legal_period_before_it_applies_names_code_and_date() -> None:
    with pytest.raises(
        LegalPeriod.DoesNotExist, match=r"'review_hours' in effect on 2025-12-31"
    ):
        queries.legal_period("review_hours", date(2025, 12, 31))


@pytest.fixture
def fresh_process_cache() -> None:
    """Start as a process that has changed nothing and cached nothing."""
    queries.mark_committed()


def test_rules_are_read_once_then_served_from_the_cache(
    fresh_process_cache: None, django_assert_num_queries
) -> None:
    queries.rules_for_observation("fire_alarm")

    with django_assert_num_queries(0):
        queries.rules_for_observation("pressure_mpa")
        queries.thresholds(_pressure_rule_cached(), date(2026, 6, 1))


def test_saving_a_threshold_drops_the_cached_rows(fresh_process_cache: None) -> None:
    rule = _pressure_rule_cached()
    Threshold.objects.create(
        rule=rule,
        parameter="max",
        value=Decimal("1.0"),
        unit="MPa",
        source="test: a lower ceiling",
        effective_from=date(2026, 7, 1),
    )

    assert queries.thresholds(rule, date(2026, 7, 1))["max"].value == Decimal("1.0")


def _pressure_rule_cached() -> Rule:
    (rule,) = [
        r
        for r in queries.rules_for_observation("pressure_mpa")
        if r.code == "sprinkler_pressure"
    ]
    return rule


def test_a_city_wide_rule_applies_in_every_district() -> None:
    (rule,) = [
        r for r in queries.rules_for_observation("fire_alarm") if r.code == "fire_alarm"
    ]

    assert queries.applies_in(rule, district_id=12345) is True


def test_a_district_rule_applies_only_in_its_district() -> None:
    from offsite.registry.models import Authority

    own = Authority.objects.create(code="110998", name="本区", level="district")
    other = Authority.objects.create(code="110997", name="他区", level="district")
    scenario = queries.scenario("fire_lane")
    scenario.authority = own
    scenario.save()
    (rule,) = [
        r
        for r in queries.rules_for_observation("fire_lane_blocked")
        if r.kind == "state"
    ]

    assert queries.applies_in(rule, district_id=own.pk) is True
    assert queries.applies_in(rule, district_id=other.pk) is False
