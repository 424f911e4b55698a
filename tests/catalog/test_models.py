"""Catalog rows refuse combinations the evaluator cannot apply."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from offsite.catalog import queries, services
from offsite.catalog.models import Rule, Scenario, Threshold

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft_scenario() -> Scenario:
    draft = services.publish_new_version(note="test draft")
    return Scenario.objects.get(version=draft, code="facility_status")


def _messages(error: ValidationError) -> dict[str, list[str]]:
    return error.message_dict


def test_any_observation_is_only_for_silence(draft_scenario: Scenario) -> None:
    rule = Rule(scenario=draft_scenario, code="x", kind="state", observation_name="*")

    with pytest.raises(ValidationError) as raised:
        rule.full_clean()

    assert _messages(raised.value)["observation_name"] == [
        "'*' is only for silence rules, not for kind state"
    ]


def test_breach_when_false_is_refused_for_a_ratio(draft_scenario: Scenario) -> None:
    rule = Rule(
        scenario=draft_scenario,
        code="x",
        kind="ratio",
        observation_name="shielded",
        breach_when="false",
    )

    with pytest.raises(ValidationError) as raised:
        rule.full_clean()

    assert _messages(raised.value)["breach_when"] == [
        "breach_when=false applies to state, state_held, registry_fact rules, "
        "not to kind ratio"
    ]


def test_breach_when_false_is_accepted_for_a_registry_fact(
    draft_scenario: Scenario,
) -> None:
    rule = Rule(
        scenario=draft_scenario,
        code="plan",
        kind="registry_fact",
        observation_name="emergency_plan_on_file",
        breach_when="false",
    )

    rule.full_clean()


def test_a_threshold_its_rule_kind_does_not_read_is_refused(
    draft_scenario: Scenario,
) -> None:
    rule = Rule.objects.get(scenario=draft_scenario, code="manual_mode")
    row = Threshold(
        rule=rule,
        parameter="max",
        value=Decimal("1"),
        unit="count",
        source="test",
        effective_from=date(2026, 1, 1),
    )

    with pytest.raises(ValidationError) as raised:
        row.full_clean()

    assert "rule manual_mode of kind state reads no max" in str(raised.value)


def test_a_ratio_above_100_percent_is_refused(draft_scenario: Scenario) -> None:
    rule = Rule.objects.get(scenario=draft_scenario, code="shielded_ratio")
    row = Threshold(
        rule=rule,
        parameter="max_ratio_percent",
        value=Decimal("150"),
        unit="%",
        source="test",
        effective_from=date(2027, 1, 1),
    )

    with pytest.raises(ValidationError) as raised:
        row.full_clean()

    assert _messages(raised.value)["value"] == [
        "max_ratio_percent must lie between 0 and 100"
    ]


def test_a_warning_scenario_without_a_period_is_refused(
    draft_scenario: Scenario,
) -> None:
    draft_scenario.rectification_period_value = None
    draft_scenario.rectification_period_unit = ""

    with pytest.raises(ValidationError) as raised:
        draft_scenario.full_clean()

    assert _messages(raised.value)["rectification_period_value"] == [
        "family warning needs a rectification period (LM-13 ¶2)"
    ]


def test_an_evaluation_grade_with_a_warning_family_is_refused() -> None:
    scenario = queries.scenario("scale")
    scenario.family = "warning"

    with pytest.raises(ValidationError) as raised:
        scenario.full_clean(validate_unique=False, validate_constraints=False)

    assert "grade" in _messages(raised.value)
