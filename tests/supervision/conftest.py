"""Units, people, scenarios, check results and events for supervision tests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model

from offsite.catalog.models import CatalogVersion, PeriodUnit, Scenario
from offsite.monitoring.models import CheckResult, Finding
from offsite.registry.models import Authority, Person
from offsite.supervision.models import Event

from .support import real_scenario


@pytest.fixture
def chaoyang(db) -> Authority:
    return Authority.objects.get(code="110105")


@pytest.fixture
def make_person(db, chaoyang):
    """Create a person with a role, by default in the unit's district."""
    serial = iter(range(1, 1000))

    def make(role: str, authority: Authority | None = None, **fields) -> Person:
        if role in (Person.Role.UNIT_USER, Person.Role.PROVIDER_USER):
            authority = None
        elif authority is None:
            authority = chaoyang
        # No password: hashing one costs a second per person, and these people
        # never sign in.
        user = get_user_model().objects.create_user(username=f"{role}-{next(serial)}")
        return Person.objects.create(
            user=user, role=role, authority=authority, **fields
        )

    return make


@pytest.fixture
def officer(make_person) -> Person:
    return make_person(Person.Role.OFFICER)


@pytest.fixture
def test_version(db) -> CatalogVersion:
    """An unpublished catalog edition for scenarios the item list lacks."""
    return CatalogVersion.objects.create(number=9001, note="supervision tests")


@pytest.fixture
def make_scenario(test_version):
    """Create a scenario of the test edition (IM-22: a scenario is data)."""

    def make(code: str = "test_warning", **fields) -> Scenario:
        values = {
            "name": "测试场景",
            "name_en": "test scenario",
            "grade": Scenario.Grade.WARNING,
            "family": Scenario.Family.WARNING,
            "procedure": Scenario.Procedure.WARNING,
            "requires_confirmation": True,
            "urgent": False,
            "rectification_period_value": 3,
            "rectification_period_unit": PeriodUnit.WORKING_DAYS,
            "rectification_period_source": "supervision tests",
        }
        values.update(fields)
        return Scenario.objects.create(version=test_version, code=code, **values)

    return make


@pytest.fixture
def scenario(db) -> Scenario:
    """A system-decided warning with a 3-working-day period (catalog v1)."""
    return real_scenario("facility_status")


@pytest.fixture
def make_event(unit, scenario):
    """Put an event straight into a state, as the starting point of a test."""
    serial = iter(range(1, 1000))

    def make(state: str, *, at: datetime | None = None, **fields) -> Event:
        at = at or datetime(2026, 3, 2, 1, 15, tzinfo=UTC)
        values = {
            "unit": unit,
            "scenario": scenario,
            "subject": f"point:test-{next(serial)}",
            "owner": unit.district,
            "state": state,
            "data_created_at": at,
            "observed_at": at,
            "opened_at": at,
            "state_changed_at": at,
        }
        values.update(fields)
        return Event.objects.create(**values)

    return make


@pytest.fixture
def make_result(unit):
    """Record a check result, with its finding for a breach or unknown."""

    def make(
        scenario: Scenario,
        outcome: str,
        *,
        subject: str = "point:1-1-12",
        observed_at: datetime,
        received_at: datetime | None = None,
    ) -> CheckResult:
        received_at = received_at or observed_at
        rule = scenario.rules.order_by("code").first()
        if rule is None:
            rule = scenario.rules.create(
                code=f"{scenario.code}-test",
                kind="state",
                observation_name="fire_alarm",
            )
        result = CheckResult.objects.create(
            rule=rule,
            unit=unit,
            subject=subject,
            outcome=outcome,
            observed_at=observed_at,
            received_at=received_at,
            evaluated_at=received_at,
        )
        if outcome != CheckResult.Outcome.NORMAL:
            Finding.objects.create(
                check_result=result,
                scenario=scenario,
                unit=unit,
                subject=subject,
                outcome=outcome,
                observed_at=observed_at,
                received_at=received_at,
            )
        return result

    return make
