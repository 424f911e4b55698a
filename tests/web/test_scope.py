"""Scope is in the queries: a district its district, a unit itself (IM-8)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from offsite.delivery import services as delivery
from offsite.delivery.models import Notice
from offsite.intake.models import RawRecord
from offsite.registry import services as registry
from offsite.registry.models import Authority, Person
from offsite.supervision import services as supervision
from offsite.supervision.models import Event
from offsite.web import queries

from .conftest import awaiting

pytestmark = pytest.mark.django_db


def _warned_fire_alarm(unit_name: str) -> Event:
    return Event.objects.get(
        unit__name=unit_name, scenario__code="fire_alarm", state="warned"
    )


def _consent(username: str) -> None:
    person = Person.objects.get(user__username=username)
    delivery.record_consent(
        unit=person.unit, person=person, consented=True, at=timezone.now()
    )


def test_the_city_reviews_every_district(city, sign_in):
    page = sign_in("dispatch").get("/console/review/").content.decode()

    assert page.count('class="card review-item"') == 3


def test_a_district_reviews_only_its_own_units(city, sign_in):
    page = sign_in("haidian").get("/console/review/").content.decode()

    assert page.count('class="card review-item"') == 1
    assert "海淀科技大厦" in page
    assert "京华商业广场" not in page


def test_a_district_does_not_find_another_districts_event(city, sign_in):
    event = awaiting("京华商业广场", "fire_lane")

    response = sign_in("haidian").get(f"/console/events/{event.pk}/")

    assert response.status_code == 404


def test_a_district_does_not_find_another_districts_raw_record(city, sign_in):
    raw = RawRecord.objects.filter(device__unit__name="京华商业广场").first()

    assert sign_in("haidian").get(f"/console/raw/{raw.pk}/").status_code == 404
    assert sign_in("dispatch").get(f"/console/raw/{raw.pk}/").status_code == 200


def _demo_batch() -> RawRecord:
    """The demo provider's batch: Chaoyang's lane-cam-01, Haidian's lane-cam-02."""
    return RawRecord.objects.get(source=RawRecord.Source.HTTP, device__isnull=True)


def test_the_city_reads_a_batch_of_two_districts_whole(city, sign_in):
    page = sign_in("dispatch").get(f"/console/raw/{_demo_batch().pk}/")

    assert page.status_code == 200
    assert "lane-cam-01" in page.text and "lane-cam-02" in page.text


def test_a_district_reads_only_its_own_units_data_in_a_shared_batch(city, sign_in):
    """A batch of two districts opens for each, with the other's data withheld."""
    page = sign_in("haidian", "en").get(f"/console/raw/{_demo_batch().pk}/")

    assert page.status_code == 200
    assert "north-gate" in page.text
    assert "lane-cam-01" not in page.text and "east-gate" not in page.text
    assert "1 unit outside your scope" in page.text


def test_a_districts_event_page_withholds_another_districts_data(city, sign_in):
    event = awaiting("海淀科技大厦", "fire_lane")

    page = sign_in("haidian").get(f"/console/events/{event.pk}/")

    assert page.status_code == 200
    assert "north-gate" in page.text
    assert "lane-cam-01" not in page.text and "east-gate" not in page.text


def test_a_batch_of_no_unit_in_scope_is_not_found(city, sign_in):
    registry.create_person(
        username="tongzhou",
        password="tongzhou-password",
        role=Person.Role.DISPATCH_STAFF,
        authority=Authority.objects.get(code="110112"),
    )

    assert (
        sign_in("tongzhou").get(f"/console/raw/{_demo_batch().pk}/").status_code == 404
    )


def test_a_unit_user_does_not_find_another_units_event(city, sign_in):
    _consent("unit")
    other = _warned_fire_alarm("通州三和仓储")

    response = sign_in("unit").get(f"/portal/events/{other.pk}/")

    assert response.status_code == 404


def test_a_unit_user_opens_its_own_warned_event(city, sign_in):
    _consent("unit")
    own = _warned_fire_alarm("京华商业广场")

    assert sign_in("unit").get(f"/portal/events/{own.pk}/").status_code == 200


def test_a_unit_user_does_not_see_its_event_before_it_is_confirmed(city, sign_in):
    """IM-15: nothing unconfirmed is published to a unit."""
    _consent("unit")
    event = awaiting("京华商业广场", "fire_lane")

    response = sign_in("unit").get(f"/portal/events/{event.pk}/")

    assert response.status_code == 404


def test_a_unit_user_does_not_find_another_units_notice(city, sign_in):
    _consent("unit")
    other = Notice.objects.filter(unit__name="通州三和仓储").first()

    assert sign_in("unit").get(f"/portal/inbox/{other.pk}/").status_code == 404


def test_a_unit_user_may_not_answer_for_another_unit(city, sign_in):
    _consent("unit")
    other = _warned_fire_alarm("通州三和仓储")

    response = sign_in("unit").post(
        f"/portal/events/{other.pk}/review/", {"statement": "not ours"}
    )

    assert response.status_code == 404
    assert other.review_requests.count() == 0


def test_the_unit_inbox_lists_only_its_own_notices(city, sign_in):
    _consent("unit")

    page = sign_in("unit").get("/portal/inbox/").content.decode()

    assert "京华商业广场" in page
    assert "通州三和仓储" not in page


def test_a_district_sees_its_own_entries_in_the_operation_log(city):
    officer = Person.objects.get(user__username="officer")
    supervision.confirm(
        awaiting("京华商业广场", "fire_lane"), actor=officer, at=timezone.now()
    )
    haidian = queries.viewer(Person.objects.get(user__username="haidian").user)
    city_view = queries.viewer(officer.user)

    transitions_seen = queries.audit_entries(haidian).filter(action="event.transition")
    units_seen = {Event.objects.get(pk=e.object_id).unit.name for e in transitions_seen}

    assert units_seen == {"海淀科技大厦"}
    assert queries.audit_entries(city_view).filter(actor="officer").count() == 2


def test_a_provider_user_sees_only_the_units_it_serves(city, sign_in):
    from offsite.registry import services as registry
    from offsite.registry.models import Provider

    registry.create_person(
        username="provider",
        password="provider-pass-2026",
        role=Person.Role.PROVIDER_USER,
        provider=Provider.objects.get(slug="demo-iot"),
    )
    seen = queries.units(
        queries.viewer(Person.objects.get(user__username="provider").user)
    )

    assert sorted(unit.name for unit in seen) == ["京华商业广场", "海淀科技大厦"]


def test_a_designated_district_reads_the_data_behind_that_clue_only(city, sign_in):
    """LM-15: designation hands over one clue, not the unit's whole record."""
    event = _warned_fire_alarm("京华商业广场")
    at = timezone.now()
    supervision.transition(event, "overdue", actor="system", at=at)
    supervision.transition(event, "clue", actor="system", at=at)
    supervision.designate(
        event,
        actor=Person.objects.get(user__username="dispatch"),
        district=Authority.objects.get(code="110108"),
        at=at,
    )
    behind = RawRecord.objects.filter(
        observations__check_results__finding__event_link__event=event
    ).first()
    unrelated = (
        RawRecord.objects.filter(device__unit__name="京华商业广场")
        .exclude(observations__check_results__finding__event_link__event=event)
        .first()
    )
    haidian = sign_in("haidian", "en")

    assert haidian.get(f"/console/events/{event.pk}/").status_code == 200
    assert haidian.get(f"/console/raw/{behind.pk}/").status_code == 200
    assert haidian.get(f"/console/raw/{unrelated.pk}/").status_code == 404
    batch = haidian.get(f"/console/raw/{_demo_batch().pk}/").text
    assert "lane-cam-01" not in batch and "east-gate" not in batch
