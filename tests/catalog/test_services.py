"""Starting and publishing a new version keeps the history (IM-5)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from offsite.catalog import queries, services
from offsite.catalog.models import CatalogVersion, Rule, Scenario, Threshold

pytestmark = pytest.mark.django_db


def _v1() -> CatalogVersion:
    return CatalogVersion.objects.get(number=1)


def _threshold(version: CatalogVersion, rule_code: str, parameter: str) -> Threshold:
    return Threshold.objects.get(
        rule__scenario__version=version, rule__code=rule_code, parameter=parameter
    )


def test_a_new_version_is_a_draft_numbered_2() -> None:
    draft = services.publish_new_version(note="2027 revision")

    assert (draft.number, draft.note, draft.published_at) == (2, "2027 revision", None)


def test_a_draft_copies_every_scenario_rule_and_threshold() -> None:
    draft = services.publish_new_version(note="copy")

    assert Scenario.objects.filter(version=draft).count() == 17
    assert Rule.objects.filter(scenario__version=draft).count() == 25
    assert Threshold.objects.filter(rule__scenario__version=draft).count() == 15


def test_a_draft_copies_breach_when_and_sources() -> None:
    draft = services.publish_new_version(note="copy")

    rule = Rule.objects.get(scenario__version=draft, code="plan_missing")
    low = _threshold(draft, "sprinkler_pressure", "min")
    assert rule.breach_when == "false"
    assert (low.value, low.effective_from) == (Decimal("0.05"), date(2023, 3, 1))
    assert "GB 55036-2022" in low.source


def test_the_current_version_stays_until_the_draft_is_published() -> None:
    services.publish_new_version(note="draft")

    assert queries.current_version().number == 1


def test_publishing_the_draft_makes_it_current() -> None:
    draft = services.publish_new_version(note="draft")

    services.publish(draft)

    assert queries.current_version().number == 2
    assert queries.scenario("fire_alarm").version.number == 2


def test_publishing_a_changed_draft_leaves_the_old_version_intact() -> None:
    draft = services.publish_new_version(note="stricter pressure")
    changed = _threshold(draft, "sprinkler_pressure", "min")
    changed.value = Decimal("0.10")
    changed.save()
    Scenario.objects.filter(version=draft, code="fire_lane").update(
        rectification_period_value=2
    )

    services.publish(draft)

    assert _threshold(_v1(), "sprinkler_pressure", "min").value == Decimal("0.05")
    assert Scenario.objects.get(
        version=_v1(), code="fire_lane"
    ).rectification_period_value == (1)
    assert Rule.objects.filter(scenario__version=_v1()).count() == 25
    assert _v1().published_at is not None


def test_rules_for_observation_follow_the_newly_published_version() -> None:
    draft = services.publish_new_version(note="draft")
    services.publish(draft)

    (rule,) = [
        r for r in queries.rules_for_observation("fire_alarm") if r.code == "fire_alarm"
    ]
    assert rule.scenario.version.number == 2


def test_publishing_twice_is_refused() -> None:
    with pytest.raises(ValidationError, match="v1 is already published"):
        services.publish(_v1())


def test_publishing_an_older_draft_after_a_newer_version_is_refused() -> None:
    older = services.publish_new_version(note="older")
    newer = services.publish_new_version(note="newer")
    services.publish(newer)

    with pytest.raises(ValidationError, match="v2 is older than the published v3"):
        services.publish(older)


def test_a_draft_rule_missing_its_threshold_is_not_published() -> None:
    draft = services.publish_new_version(note="broken")
    _threshold(draft, "transmission_silent", "silence_minutes").delete()

    with pytest.raises(ValidationError) as raised:
        services.publish(draft)

    assert raised.value.messages == [
        "rule facility_status/transmission_silent of kind silence needs a "
        "threshold silence_minutes"
    ]
    draft.refresh_from_db()
    assert draft.published_at is None
    assert queries.current_version().number == 1


def test_a_draft_numeric_rule_without_min_or_max_is_not_published() -> None:
    draft = services.publish_new_version(note="broken")
    Threshold.objects.filter(
        rule__scenario__version=draft,
        rule__code="tank_level",
        parameter="min",
    ).delete()

    with pytest.raises(ValidationError) as raised:
        services.publish(draft)

    assert raised.value.messages == [
        "rule water_supply/tank_level of kind numeric_range needs a threshold "
        "max or min"
    ]


def test_a_district_scenario_is_published_with_its_authority() -> None:
    from offsite.registry.models import Authority

    district = Authority.objects.create(code="110999", name="测试区", level="district")
    draft = services.publish_new_version(note="district scenario")
    Scenario.objects.create(
        version=draft,
        authority=district,
        code="district_fire_lane_patrol",
        name="区级消防车通道巡查",
        name_en="District fire lane patrol",
        grade="warning",
        family="warning",
        procedure="warning",
        rectification_period_value=1,
        rectification_period_unit="days",
        rectification_period_source="本地政策默认值",
        rectification_period_is_local_policy_default=True,
    )

    services.publish(draft)

    assert queries.scenario("district_fire_lane_patrol").authority == district
