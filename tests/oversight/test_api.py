"""The oversight API: figures and situations, scoped like the events list."""

from __future__ import annotations

import pytest
from django.test import Client

from offsite.monitoring.models import CheckResult
from offsite.oversight import api
from offsite.registry.models import Authority, Person
from offsite.supervision import services
from tests.supervision.support import beijing, real_scenario

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    monkeypatch.setattr(api, "now", lambda: beijing(2026, 4, 1, 9, 0))


@pytest.fixture
def unserved_warning(make_result, unit):
    """A warning to 京华商业广场 (Chaoyang), never served: no consent (LM-5)."""
    result = make_result(
        real_scenario("facility_status"),
        CheckResult.Outcome.BREACH,
        observed_at=beijing(2026, 3, 2, 9, 0),
    )
    [event] = services.take_results([result], at=beijing(2026, 3, 2, 9, 0)).opened
    return event


def signed_in(person: Person) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(person.user)
    return client


def test_city_staff_see_the_situations_of_every_district(unserved_warning, make_person):
    legal = make_person(
        Person.Role.LEGAL, authority=Authority.objects.get(code="110000")
    )

    response = signed_in(legal).get("/api/v1/oversight/situations")

    assert response.status_code == 200
    body = response.json()
    assert (body["first_day"], body["last_day"]) == ("2026-01-01", "2026-12-31")
    assert [
        (s["kind"], s["event"], s["authority"]["code"], s["since"])
        for s in body["situations"]
    ] == [
        (
            "notice_not_served",
            unserved_warning.pk,
            "110105",
            "2026-03-05T23:59:59+08:00",
        )
    ]


def test_another_districts_staff_do_not_see_them(unserved_warning, make_person):
    haidian = make_person(
        Person.Role.DISPATCH_STAFF, authority=Authority.objects.get(code="110108")
    )

    situations = signed_in(haidian).get("/api/v1/oversight/situations").json()
    figures = signed_in(haidian).get("/api/v1/oversight/figures").json()

    assert situations["situations"] == []
    assert figures["rows"] == []


def test_the_districts_own_staff_see_its_figures_per_officer(unserved_warning, officer):
    response = signed_in(officer).get(
        "/api/v1/oversight/figures?from=2026-03-01&to=2026-03-31&by=officer"
    )

    # facility_status is decided by the system: no review, no person's duty
    # yet; the warning's deadline binds the unit, not the authority.
    assert response.status_code == 200
    assert response.json()["rows"] == []
    assert response.json()["by"] == "officer"


def test_figures_count_a_review_for_the_officer_who_made_it(make_result, officer):
    result = make_result(
        real_scenario("fire_lane"),
        CheckResult.Outcome.BREACH,
        observed_at=beijing(2026, 3, 2, 9, 15),
    )
    [event] = services.take_results([result], at=beijing(2026, 3, 2, 9, 15)).opened
    services.confirm(event, actor=officer, at=beijing(2026, 3, 2, 10, 0))

    rows = signed_in(officer).get("/api/v1/oversight/figures?by=officer").json()["rows"]

    assert [(r["authority"]["code"], r["person"]) for r in rows] == [
        ("110105", officer.user.username)
    ]
    assert rows[0]["review"] == {
        "count": 1,
        "in_time": 1,
        "late": 0,
        "open_overdue": 0,
        "share": 1.0,
    }


def test_a_unit_user_is_refused(unserved_warning, make_person, unit):
    unit_user = make_person(Person.Role.UNIT_USER, unit=unit)

    figures = signed_in(unit_user).get("/api/v1/oversight/figures")
    situations = signed_in(unit_user).get("/api/v1/oversight/situations")

    assert figures.status_code == 403
    assert situations.status_code == 403
    assert "authorities' staff" in figures.json()["detail"]


def test_a_bad_date_is_refused_naming_the_field_and_the_format(officer):
    response = signed_in(officer).get("/api/v1/oversight/figures?from=2026-02-30")

    assert response.status_code == 422
    assert response.json()["detail"] == (
        "from: '2026-02-30' is not a date; expected YYYY-MM-DD, e.g. 2026-03-01"
    )


def test_an_end_before_the_start_is_refused(officer):
    response = signed_in(officer).get(
        "/api/v1/oversight/situations?from=2026-03-01&to=2026-02-01"
    )

    assert response.status_code == 422
    assert response.json()["detail"].startswith(
        "to: 2026-02-01 is before from 2026-03-01"
    )


def test_an_unknown_grouping_or_kind_is_refused(officer):
    by = signed_in(officer).get("/api/v1/oversight/figures?by=district")
    kind = signed_in(officer).get("/api/v1/oversight/situations?kind=late")

    assert by.status_code == 422
    assert by.json()["detail"] == (
        "by: expected one of authority, officer, got 'district'"
    )
    assert kind.status_code == 422
    assert kind.json()["detail"].startswith("kind: expected one of notice_not_served")


def test_the_kind_filter_keeps_only_that_kind(unserved_warning, officer):
    kept = signed_in(officer).get("/api/v1/oversight/situations?kind=notice_not_served")
    other = signed_in(officer).get(
        "/api/v1/oversight/situations?kind=visit_not_dispatched"
    )

    assert len(kept.json()["situations"]) == 1
    assert other.json()["situations"] == []


def test_signed_out_callers_are_refused():
    assert Client().get("/api/v1/oversight/figures").status_code == 401


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("to=9999-12-31", "to: '9999-12-31' is outside 2000–2099"),
        ("from=0001-01-01", "from: '0001-01-01' is outside 2000–2099"),
    ],
)
def test_a_day_outside_the_platforms_years_is_refused_not_a_crash(
    officer, query, message
):
    client = Client()
    client.force_login(officer.user)

    answer = client.get(f"/api/v1/oversight/situations?{query}")

    assert answer.status_code == 422
    assert answer.json()["detail"].startswith(message)
