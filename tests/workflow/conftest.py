"""People, a unit with consent, events opened from real check results, a clock."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.contrib.auth import get_user_model

from offsite.catalog import queries as catalog
from offsite.delivery import services as delivery
from offsite.monitoring.models import CheckResult, Finding
from offsite.registry.models import Authority, Person, Unit
from offsite.supervision.models import Event
from offsite.supervision.services import take_results

from .support import beijing


@pytest.fixture
def authority(db):
    def get(code: str) -> Authority:
        return Authority.objects.get(code=code)

    return get


@pytest.fixture
def make_person(db, authority):
    """Create a person; staff default to Chaoyang (110105), the unit's district."""
    serial = iter(range(1, 1000))

    def make(
        role: str, *, code: str = "110105", unit: Unit | None = None, name: str = ""
    ) -> Person:
        staff = role in Person.STAFF_ROLES
        user = get_user_model().objects.create_user(
            username=name or f"{role}-{next(serial)}"
        )
        return Person.objects.create(
            user=user,
            role=role,
            authority=authority(code) if staff else None,
            unit=unit,
        )

    return make


@pytest.fixture
def officer(make_person) -> Person:
    return make_person("officer", name="chaoyang-officer")


@pytest.fixture
def dispatcher(make_person) -> Person:
    return make_person("dispatch_staff", name="chaoyang-dispatch")


@pytest.fixture
def auxiliary(make_person) -> Person:
    return make_person("auxiliary", name="chaoyang-auxiliary")


@pytest.fixture
def city_dispatcher(make_person) -> Person:
    return make_person("dispatch_staff", code="110000", name="city-dispatch")


@pytest.fixture
def unit_user(make_person, unit) -> Person:
    """A user of 京华商业广场 (Chaoyang) whose unit consented to e-service (LM-5)."""
    person = make_person("unit_user", unit=unit, name="jinghua")
    delivery.record_consent(
        unit=unit, person=person, consented=True, at=beijing(2026, 1, 5, 9, 0)
    )
    return person


@pytest.fixture
def other_unit(make_unit) -> Unit:
    return make_unit("海淀科技大厦", "110108")


@pytest.fixture
def other_unit_user(make_person, other_unit) -> Person:
    return make_person("unit_user", unit=other_unit, name="haidian-tower")


@pytest.fixture
def breach(unit):
    """Open an event the way the platform does: a breach taken from monitoring."""
    serial = iter(range(1, 1000))

    def make(
        code: str, at: datetime, *, subject: str = "", of: Unit | None = None
    ) -> Event:
        result = _result(
            code,
            CheckResult.Outcome.BREACH,
            at,
            subject=subject or f"{code}:{next(serial)}",
            unit=of or unit,
        )
        [event] = take_results([result], at=at).opened
        return Event.objects.get(pk=event.pk)

    return make


@pytest.fixture
def back_to_normal():
    """Take a normal result for an event's subject (LM-13 ¶2)."""

    def make(event: Event, at: datetime) -> None:
        result = _result(
            event.scenario.code,
            CheckResult.Outcome.NORMAL,
            at,
            subject=event.subject,
            unit=event.unit,
        )
        take_results([result], at=at)

    return make


def _result(
    code: str, outcome: str, at: datetime, *, subject: str, unit: Unit
) -> CheckResult:
    scenario = catalog.scenario(code)
    rule = scenario.rules.order_by("code").first()
    result = CheckResult.objects.create(
        rule=rule,
        unit=unit,
        subject=subject,
        outcome=outcome,
        observed_at=at,
        received_at=at,
        evaluated_at=at,
    )
    if outcome != CheckResult.Outcome.NORMAL:
        Finding.objects.create(
            check_result=result,
            scenario=scenario,
            unit=unit,
            subject=subject,
            outcome=outcome,
            observed_at=at,
            received_at=at,
        )
    return result


class Clock:
    """The time the HTTP API stamps actions with, moved by the test."""

    def __init__(self, at: datetime):
        self.at = at

    def now(self) -> datetime:
        return self.at


@pytest.fixture
def clock(monkeypatch) -> Clock:
    from offsite.supervision import api

    clock = Clock(beijing(2026, 1, 5, 9, 0))
    monkeypatch.setattr(api, "now", clock.now)
    return clock


@pytest.fixture
def evidence_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"
