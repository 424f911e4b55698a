"""Oversight: timeliness figures and the LM-28 situations, read from stored rows."""

from __future__ import annotations

import json
from datetime import date, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from offsite.delivery import services as delivery
from offsite.delivery.models import Channel, Notice
from offsite.monitoring.models import CheckResult, Finding
from offsite.oversight import queries as oversight
from offsite.registry.models import Authority, Person
from offsite.supervision import services
from offsite.supervision.models import (
    Event,
    OwnerChange,
    Report,
    ReviewRequest,
    Transition,
)
from offsite.supervision.queries import visible_events
from tests.supervision.support import beijing, real_scenario

pytestmark = pytest.mark.django_db

YEAR_2026 = oversight.Period(date(2026, 1, 1), date(2026, 12, 31))


@pytest.fixture(autouse=True)
def _english():
    """Read the reasons in English; the console test reads them in Chinese."""
    with translation.override("en"):
        yield


@pytest.fixture
def dispatcher(make_person) -> Person:
    return make_person(Person.Role.DISPATCH_STAFF)


@pytest.fixture
def auxiliary_person(make_person) -> Person:
    return make_person(Person.Role.AUXILIARY)


@pytest.fixture
def breach(make_result):
    """Open an event from a breach, as the platform does; the unit is in Chaoyang."""
    serial = iter(range(1, 1000))

    def make(code: str, at: datetime) -> Event:
        result = make_result(
            real_scenario(code),
            CheckResult.Outcome.BREACH,
            subject=f"{code}:{next(serial)}",
            observed_at=at,
        )
        [event] = services.take_results([result], at=at).opened
        return Event.objects.get(pk=event.pk)

    return make


@pytest.fixture
def clue(breach, officer):
    """A control-room duty clue: data 09:00, confirmed 10:00, warning forms a clue.

    LM-13 ¶1: the warning itself forms the clue, due for assignment 24 hours on.
    """

    def make(day: tuple[int, int, int] = (2026, 3, 2)) -> Event:
        event = breach("control_room_duty", beijing(*day, 9, 0))
        services.confirm(event, actor=officer, at=beijing(*day, 10, 0))
        return Event.objects.get(pk=event.pk)

    return make


def figure(rows, measure: str, person: Person | None = None) -> dict:
    [row] = [r for r in rows if r.person == person]
    return row.figures[measure].as_dict()


# Figures: reviews (LM-12) ---------------------------------------------------------


def test_a_review_within_24_hours_of_the_data_is_in_time(breach, officer):
    event = breach("fire_lane", beijing(2026, 3, 2, 9, 15))
    services.confirm(event, actor=officer, at=beijing(2026, 3, 3, 9, 15))

    rows = oversight.figures(Event.objects.all(), YEAR_2026, at=beijing(2026, 4, 1))

    assert [row.authority.code for row in rows] == ["110105"]
    assert figure(rows, "review") == {
        "count": 1,
        "in_time": 1,
        "late": 0,
        "open_overdue": 0,
        "share": 1.0,
    }


def test_a_review_a_second_after_24_hours_is_late(breach, officer):
    event = breach("fire_lane", beijing(2026, 3, 2, 9, 15))
    services.confirm(event, actor=officer, at=beijing(2026, 3, 3, 9, 15, 1))

    rows = oversight.figures(Event.objects.all(), YEAR_2026, at=beijing(2026, 4, 1))

    assert figure(rows, "review") == {
        "count": 1,
        "in_time": 0,
        "late": 1,
        "open_overdue": 0,
        "share": 0.0,
    }


def test_an_open_review_counts_against_the_authority_once_past_due(breach):
    breach("fire_lane", beijing(2026, 3, 2, 9, 15))

    before = oversight.figures(
        Event.objects.all(), YEAR_2026, at=beijing(2026, 3, 3, 9, 15)
    )
    after = oversight.figures(
        Event.objects.all(), YEAR_2026, at=beijing(2026, 3, 3, 9, 15, 1)
    )

    assert before == []
    assert figure(after, "review") == {
        "count": 1,
        "in_time": 0,
        "late": 0,
        "open_overdue": 1,
        "share": 0.0,
    }


def test_a_dismissal_is_a_review_too(breach, officer):
    event = breach("fire_lane", beijing(2026, 3, 2, 9, 15))
    services.dismiss(
        event, actor=officer, at=beijing(2026, 3, 2, 12, 0), reason="camera glare"
    )

    rows = oversight.figures(Event.objects.all(), YEAR_2026, at=beijing(2026, 4, 1))

    assert figure(rows, "review")["in_time"] == 1
    assert figure(rows, "assignment")["count"] == 0


# Figures: assignments and visits (LM-13) ------------------------------------------


def test_assignment_and_visit_in_time_count_for_the_people_who_did_them(
    clue, dispatcher, officer
):
    event = clue()
    services.assign(
        event, actor=dispatcher, officer=officer, at=beijing(2026, 3, 2, 16, 0)
    )
    services.investigate(event, actor=officer, at=beijing(2026, 3, 4, 9, 0))

    rows = oversight.figures(
        Event.objects.all(), YEAR_2026, at=beijing(2026, 4, 1), by="officer"
    )

    assert [(row.authority.code, row.person) for row in rows] == [
        ("110105", dispatcher),
        ("110105", officer),
    ]
    assert figure(rows, "assignment", dispatcher)["in_time"] == 1
    assert figure(rows, "review", officer)["in_time"] == 1
    assert figure(rows, "visit", officer) == {
        "count": 1,
        "in_time": 1,
        "late": 0,
        "open_overdue": 0,
        "share": 1.0,
    }


def test_a_visit_eleven_days_after_assignment_over_the_spring_festival_is_in_time(
    clue, dispatcher, officer
):
    # Assigned Friday 13 February 2026; the 3 working days are Saturday 14
    # February (a make-up working day), then 24 and 25 February after the
    # holiday: due 25 February 23:59:59.
    event = clue((2026, 2, 13))
    services.assign(
        event, actor=dispatcher, officer=officer, at=beijing(2026, 2, 13, 11, 0)
    )
    services.investigate(event, actor=officer, at=beijing(2026, 2, 25, 18, 0))

    rows = oversight.figures(Event.objects.all(), YEAR_2026, at=beijing(2026, 4, 1))

    assert Transition.objects.get(event=event, to_state="assigned").due_at == (
        beijing(2026, 2, 25, 23, 59, 59)
    )
    assert figure(rows, "visit")["in_time"] == 1


def test_a_visit_the_day_after_the_holiday_deadline_is_late_and_listed(
    clue, dispatcher, officer
):
    event = clue((2026, 2, 13))
    services.assign(
        event, actor=dispatcher, officer=officer, at=beijing(2026, 2, 13, 11, 0)
    )
    services.investigate(event, actor=officer, at=beijing(2026, 2, 26, 9, 0))

    rows = oversight.figures(Event.objects.all(), YEAR_2026, at=beijing(2026, 4, 1))
    [found] = oversight.situations(
        Event.objects.all(),
        YEAR_2026,
        at=beijing(2026, 4, 1),
        kind="not_verified_in_time",
    )

    assert figure(rows, "visit")["late"] == 1
    assert found.kind == "not_verified_in_time"
    assert found.event == event
    assert found.person == officer
    assert found.authority.code == "110105"
    assert found.since == beijing(2026, 2, 25, 23, 59, 59)
    assert "2026-02-25 23:59" in found.reason
    assert "2026-02-26 09:00" in found.reason


def test_a_visit_not_started_counts_for_the_assigned_officer_once_overdue(
    clue, dispatcher, officer
):
    event = clue()
    services.assign(
        event, actor=dispatcher, officer=officer, at=beijing(2026, 3, 2, 16, 0)
    )

    # 3 working days from Monday 2 March: due Thursday 5 March, end of day.
    rows = oversight.figures(
        Event.objects.all(), YEAR_2026, at=beijing(2026, 3, 6, 0, 0), by="officer"
    )

    assert figure(rows, "visit", officer) == {
        "count": 1,
        "in_time": 0,
        "late": 0,
        "open_overdue": 1,
        "share": 0.0,
    }


def test_a_clue_ended_by_an_upheld_review_before_its_due_time_is_no_duty(
    clue, officer, make_person, unit
):
    event = clue()
    unit_user = make_person(Person.Role.UNIT_USER, unit=unit)
    request = services.request_review(
        event, actor=unit_user, at=beijing(2026, 3, 2, 11, 0), statement="值班记录在案"
    )
    services.answer_review(
        request,
        actor=officer,
        at=beijing(2026, 3, 2, 15, 0),
        upheld=True,
        reason="属实",
    )

    rows = oversight.figures(Event.objects.all(), YEAR_2026, at=beijing(2026, 4, 1))

    assert figure(rows, "assignment")["count"] == 0
    assert figure(rows, "review_answer")["in_time"] == 1


# Figures: review answers (LM-14) --------------------------------------------------


def test_a_review_request_answered_after_3_working_days_is_late(
    breach, officer, make_person, unit
):
    event = breach("emergency_plan", beijing(2026, 3, 2, 9, 0))
    services.confirm(event, actor=officer, at=beijing(2026, 3, 2, 10, 0))
    unit_user = make_person(Person.Role.UNIT_USER, unit=unit)
    request = services.request_review(
        event, actor=unit_user, at=beijing(2026, 3, 3, 9, 0), statement="预案已报送"
    )
    # Filed Tuesday 3 March: due Friday 6 March, end of day.
    services.answer_review(
        request,
        actor=officer,
        at=beijing(2026, 3, 9, 9, 0),
        upheld=False,
        reason="未见报送记录",
    )

    rows = oversight.figures(
        Event.objects.all(), YEAR_2026, at=beijing(2026, 4, 1), by="officer"
    )

    assert request.due_at == beijing(2026, 3, 6, 23, 59, 59)
    assert figure(rows, "review_answer", officer) == {
        "count": 1,
        "in_time": 0,
        "late": 1,
        "open_overdue": 0,
        "share": 0.0,
    }


def test_an_unanswered_review_request_stands_in_the_row_of_nobody_yet(
    breach, officer, make_person, unit
):
    event = breach("emergency_plan", beijing(2026, 3, 2, 9, 0))
    services.confirm(event, actor=officer, at=beijing(2026, 3, 2, 10, 0))
    unit_user = make_person(Person.Role.UNIT_USER, unit=unit)
    services.request_review(
        event, actor=unit_user, at=beijing(2026, 3, 3, 9, 0), statement="预案已报送"
    )

    rows = oversight.figures(
        Event.objects.all(), YEAR_2026, at=beijing(2026, 3, 7, 0, 0), by="officer"
    )

    assert figure(rows, "review_answer", None)["open_overdue"] == 1
    assert figure(rows, "review", officer)["in_time"] == 1


# Scope and period ------------------------------------------------------------------


def test_a_district_sees_only_the_figures_of_its_own_events(
    breach, make_unit, make_person, officer
):
    breach("fire_lane", beijing(2026, 3, 2, 9, 15))
    haidian = make_unit("海淀科技大厦", "110108")
    fire_lane = real_scenario("fire_lane")
    at = beijing(2026, 3, 2, 9, 15)
    result = CheckResult.objects.create(
        rule=fire_lane.rules.order_by("code").first(),
        unit=haidian,
        subject="lane:south",
        outcome=CheckResult.Outcome.BREACH,
        observed_at=at,
        received_at=at,
        evaluated_at=at,
    )
    Finding.objects.create(
        check_result=result,
        scenario=fire_lane,
        unit=haidian,
        subject="lane:south",
        outcome=CheckResult.Outcome.BREACH,
        observed_at=at,
        received_at=at,
    )
    services.take_results([result], at=at)
    city_staff = make_person(
        Person.Role.LEGAL, authority=Authority.objects.get(code="110000")
    )
    at = beijing(2026, 4, 1)

    chaoyang = oversight.figures(visible_events(officer), YEAR_2026, at=at)
    city = oversight.figures(visible_events(city_staff), YEAR_2026, at=at)

    assert [row.authority.code for row in chaoyang] == ["110105"]
    assert [row.authority.code for row in city] == ["110105", "110108"]


def test_a_duty_belongs_to_the_period_its_due_time_falls_in(breach, officer):
    # Data at 10:00 on 30 June: the review is due 10:00 on 1 July.
    event = breach("fire_lane", beijing(2026, 6, 30, 10, 0))
    services.confirm(event, actor=officer, at=beijing(2026, 6, 30, 11, 0))
    at = beijing(2026, 8, 1)

    june = oversight.figures(
        Event.objects.all(), oversight.period(None, date(2026, 6, 30), at=at), at=at
    )
    july = oversight.figures(
        Event.objects.all(), oversight.period(date(2026, 7, 1), at=at), at=at
    )

    assert june == []
    assert figure(july, "review")["in_time"] == 1


def test_the_default_period_is_the_calendar_year_in_beijing():
    # 31 December 2026, 17:00 UTC is already 1 January 2027 in Beijing.
    span = oversight.period(at=datetime.fromisoformat("2026-12-31T17:00:00+00:00"))

    assert span == oversight.Period(date(2027, 1, 1), date(2027, 12, 31))


def test_a_period_whose_end_comes_first_is_refused_naming_the_field():
    with pytest.raises(ValueError, match=r"^to: 2026-02-01 is before from 2026-03-01"):
        oversight.period(date(2026, 3, 1), date(2026, 2, 1), at=beijing(2026, 4, 1))


# Situations ------------------------------------------------------------------------


def test_a_warning_without_consent_or_other_service_is_not_served(breach):
    # facility_status is decided by the system and warned at once; the unit
    # never consented to electronic service (LM-5), so nothing is sent.
    event = breach("facility_status", beijing(2026, 3, 2, 9, 0))

    before = oversight.situations(
        Event.objects.all(), YEAR_2026, at=beijing(2026, 3, 5, 23, 59, 59)
    )
    [found] = oversight.situations(
        Event.objects.all(), YEAR_2026, at=beijing(2026, 3, 6, 0, 0)
    )

    assert before == []
    assert found.kind == "notice_not_served"
    assert found.event == event
    assert found.since == beijing(2026, 3, 5, 23, 59, 59)
    assert "not consented" in found.reason


def test_a_warning_sent_through_the_inbox_is_served(breach, make_person, unit):
    unit_user = make_person(Person.Role.UNIT_USER, unit=unit)
    delivery.record_consent(
        unit=unit, person=unit_user, consented=True, at=beijing(2026, 1, 5, 9, 0)
    )
    breach("facility_status", beijing(2026, 3, 2, 9, 0))
    delivery.dispatch(at=beijing(2026, 3, 2, 9, 1))

    found = oversight.situations(Event.objects.all(), YEAR_2026, at=beijing(2026, 4, 1))

    assert found == []


def test_a_warning_whose_only_channel_failed_is_not_served(
    breach, make_person, unit, settings
):
    # The failing gateway sits on the loopback, which this site allows.
    settings.DELIVERY_WEBHOOK_ALLOW_PRIVATE = True
    unit_user = make_person(Person.Role.UNIT_USER, unit=unit)
    delivery.record_consent(
        unit=unit, person=unit_user, consented=True, at=beijing(2026, 1, 5, 9, 0)
    )
    Channel.objects.filter(unit=unit, kind="inbox").update(active=False)
    # Port 9 on the loopback refuses the connection: the send fails.
    delivery.add_channel(
        unit=unit,
        kind="webhook",
        address="http://127.0.0.1:9/notices",
        source="unit",
        at=beijing(2026, 1, 5, 9, 0),
    )
    breach("facility_status", beijing(2026, 3, 2, 9, 0))
    delivery.dispatch(at=beijing(2026, 3, 2, 9, 1))

    [found] = oversight.situations(
        Event.objects.all(), YEAR_2026, at=beijing(2026, 4, 1)
    )

    assert found.kind == "notice_not_served"
    assert "sending failed on webhook" in found.reason


def test_a_warning_that_forms_a_clue_is_due_served_by_the_clue_assignment_time(clue):
    event = clue()

    found = oversight.situations(
        Event.objects.all(),
        YEAR_2026,
        at=beijing(2026, 3, 4),
        kind="notice_not_served",
    )

    assert [(s.kind, s.event, s.since) for s in found] == [
        ("notice_not_served", event, beijing(2026, 3, 3, 10, 0))
    ]


def test_a_clue_not_assigned_by_its_due_time_is_a_visit_not_dispatched(clue):
    event = clue()

    [found] = oversight.situations(
        Event.objects.all(),
        YEAR_2026,
        at=beijing(2026, 3, 3, 10, 0, 1),
        kind="visit_not_dispatched",
    )

    assert found.event == event
    assert found.person is None
    assert found.since == beijing(2026, 3, 3, 10, 0)
    assert "not assigned yet" in found.reason


def test_a_clue_assigned_late_names_who_assigned_it(clue, dispatcher, officer):
    event = clue()
    services.assign(
        event, actor=dispatcher, officer=officer, at=beijing(2026, 3, 3, 12, 0)
    )

    [found] = oversight.situations(
        Event.objects.all(),
        YEAR_2026,
        at=beijing(2026, 4, 1),
        kind="visit_not_dispatched",
    )

    assert found.person == dispatcher
    assert "assigned 2026-03-03 12:00" in found.reason


def test_a_kind_that_does_not_exist_is_refused_naming_the_field():
    with pytest.raises(ValueError, match=r"^kind: expected one of notice_not_served"):
        oversight.situations(
            Event.objects.all(), YEAR_2026, at=beijing(2026, 4, 1), kind="late"
        )


# Procedures skipped (LM-28 (4)). The workflow refuses these moves, so each test
# writes the rows a faulty import or a direct database edit would leave.


def step(event: Event, source: str, to: str, at: datetime, person=None) -> Transition:
    return Transition.objects.create(
        event=event,
        from_state=source,
        to_state=to,
        actor=person.user.username if person else "system",
        person=person,
        at=at,
    )


def skipped(at: datetime) -> list[oversight.Situation]:
    return oversight.situations(
        Event.objects.all(), YEAR_2026, at=at, kind="procedure_skipped"
    )


def test_a_clue_closed_without_a_report_is_a_skipped_procedure(make_event, officer):
    event = make_event("closed", assignee=officer)
    step(event, "clue", "assigned", beijing(2026, 3, 2, 10, 0), officer)
    step(event, "assigned", "investigating", beijing(2026, 3, 3, 10, 0), officer)
    step(event, "investigating", "reported", beijing(2026, 3, 4, 10, 0), officer)
    step(event, "reported", "closed", beijing(2026, 3, 4, 11, 0), officer)

    [found] = skipped(beijing(2026, 4, 1))

    assert found.event == event
    assert found.person == officer
    assert found.since == beijing(2026, 3, 4, 11, 0)
    assert "without a report" in found.reason


def test_a_clue_closed_on_a_report_of_violation_is_a_skipped_procedure(
    make_event, officer
):
    event = make_event("closed", assignee=officer)
    step(event, "assigned", "investigating", beijing(2026, 3, 3, 10, 0), officer)
    step(event, "investigating", "reported", beijing(2026, 3, 4, 10, 0), officer)
    step(event, "reported", "closed", beijing(2026, 3, 4, 11, 0), officer)
    Report.objects.create(
        event=event,
        officer=officer,
        at=beijing(2026, 3, 4, 10, 0),
        text="违法事实存在",
        outcome=Report.Outcome.VIOLATION_FOUND,
    )

    [found] = skipped(beijing(2026, 4, 1))

    assert "does not verify the rectification" in found.reason


def test_a_case_filed_without_an_investigation_is_a_skipped_procedure(
    make_event, officer
):
    event = make_event("case_filed", assignee=officer)
    step(event, "clue", "assigned", beijing(2026, 3, 2, 10, 0), officer)
    step(event, "assigned", "case_filed", beijing(2026, 3, 3, 10, 0), officer)

    [found] = skipped(beijing(2026, 4, 1))

    assert found.since == beijing(2026, 3, 3, 10, 0)
    assert found.reason.startswith("Case filed 2026-03-03 10:00 without an on-site")


def test_an_order_sent_without_an_officers_confirmation_is_a_skipped_procedure(
    make_event, auxiliary_person
):
    # key_unit_file needs a person to confirm the data (IM-15).
    event = make_event("ordered", scenario=real_scenario("key_unit_file"))
    step(event, "detected", "awaiting_review", beijing(2026, 3, 2, 9, 0))
    step(
        event, "awaiting_review", "confirmed", beijing(2026, 3, 2, 10, 0),
        auxiliary_person,
    )  # fmt: skip
    step(event, "confirmed", "ordered", beijing(2026, 3, 2, 10, 0), auxiliary_person)
    Notice.objects.create(
        unit=event.unit,
        event=event,
        kind="rectification_order",
        title="责令限期改正通知书",
        body="",
        created_at=beijing(2026, 3, 2, 10, 0),
        electronic=False,
        served_on=date(2026, 3, 2),
    )

    [found] = skipped(beijing(2026, 4, 1))

    assert found.person == auxiliary_person
    assert "without a qualified officer's confirmation" in found.reason


def test_a_warning_with_no_notice_to_the_unit_is_a_skipped_procedure(
    make_event, officer
):
    event = make_event("warned")
    step(event, "detected", "confirmed", beijing(2026, 3, 2, 9, 0))
    step(event, "confirmed", "warned", beijing(2026, 3, 2, 9, 0))

    [found] = skipped(beijing(2026, 4, 1))

    assert found.event == event
    assert "no notice was issued" in found.reason


def test_a_review_answer_never_sent_to_the_unit_is_a_skipped_procedure(
    make_event, officer, make_person, unit
):
    event = make_event("ordered", scenario=real_scenario("self_inspection"))
    unit_user = make_person(Person.Role.UNIT_USER, unit=unit)
    ReviewRequest.objects.create(
        event=event,
        person=unit_user,
        filed_at=beijing(2026, 3, 3, 9, 0),
        statement="已自查",
        due_at=beijing(2026, 3, 6, 23, 59, 59),
        state=ReviewRequest.State.REFUSED,
        answered_at=beijing(2026, 3, 5, 9, 0),
        answered_by=officer,
        reason="未见记录",
    )

    [found] = skipped(beijing(2026, 4, 1))

    assert found.person == officer
    assert "was not sent the answer" in found.reason


def test_a_clue_moved_to_the_city_without_telling_the_district_is_skipped(
    make_event, make_person
):
    city = Authority.objects.get(code="110000")
    city_dispatcher = make_person(Person.Role.DISPATCH_STAFF, authority=city)
    event = make_event("clue", owner=city)
    OwnerChange.objects.create(
        event=event,
        kind=OwnerChange.Kind.TAKE_OVER,
        from_authority=Authority.objects.get(code="110105"),
        to_authority=city,
        person=city_dispatcher,
        at=beijing(2026, 3, 2, 12, 0),
    )

    [found] = skipped(beijing(2026, 4, 1))

    assert found.authority == city
    assert "without telling 110000, 110105" in found.reason


def test_a_clue_walked_through_the_workflow_skips_nothing(clue, dispatcher, officer):
    event = clue()
    services.assign(
        event, actor=dispatcher, officer=officer, at=beijing(2026, 3, 2, 11, 0)
    )
    services.investigate(event, actor=officer, at=beijing(2026, 3, 3, 9, 0))
    services.report(
        event,
        actor=officer,
        at=beijing(2026, 3, 3, 15, 0),
        text="现场核查已整改",
        outcome=Report.Outcome.RECTIFICATION_VERIFIED,
    )
    services.close(event, actor=officer, at=beijing(2026, 3, 3, 16, 0))

    assert skipped(beijing(2026, 4, 1)) == []


def test_situations_outside_the_period_are_left_out(breach):
    breach("facility_status", beijing(2026, 3, 2, 9, 0))
    at = beijing(2026, 4, 1)

    fifth = oversight.period(date(2026, 3, 5), date(2026, 3, 5), at=at)
    later = oversight.period(date(2026, 3, 6), date(2026, 3, 31), at=at)

    march = oversight.situations(Event.objects.all(), fifth, at=at)
    april = oversight.situations(Event.objects.all(), later, at=at)

    assert [s.kind for s in march] == ["notice_not_served"]
    assert april == []


# The command line -----------------------------------------------------------------


def run(*args: str) -> str:
    out = StringIO()
    call_command("oversight", *args, stdout=out)
    return out.getvalue()


def test_the_figures_command_prints_a_table_per_authority(breach, officer):
    event = breach("fire_lane", beijing(2026, 3, 2, 9, 15))
    services.confirm(event, actor=officer, at=beijing(2026, 3, 2, 11, 0))

    text = run(
        "figures", "--from", "2026-03-01", "--to", "2026-03-31",
        "--at", "2026-04-01T00:00",
    )  # fmt: skip

    lines = text.splitlines()
    assert lines[0] == (
        "Timeliness 2026-03-01 to 2026-03-31, as of 2026-04-01 00:00 "
        "(in time/judged, late, open overdue)"
    )
    assert "review 24h" in lines[1]
    assert lines[2].startswith("110105 朝阳区")
    assert "1/1 100% L0 O0" in lines[2]


def test_the_figures_command_gives_json_per_officer(breach, officer):
    event = breach("fire_lane", beijing(2026, 3, 2, 9, 15))
    services.confirm(event, actor=officer, at=beijing(2026, 3, 2, 11, 0))

    data = json.loads(
        run("figures", "--by", "officer", "--json", "--at", "2026-04-01T00:00")
    )

    assert data["first_day"] == "2026-01-01"
    assert data["last_day"] == "2026-12-31"
    assert data["rows"][0]["person"] == officer.user.username
    assert data["rows"][0]["review"] == {
        "count": 1,
        "in_time": 1,
        "late": 0,
        "open_overdue": 0,
        "share": 1.0,
    }


def test_the_situations_command_lists_each_with_its_reason(breach):
    event = breach("facility_status", beijing(2026, 3, 2, 9, 0))

    text = run("situations", "--at", "2026-04-01T00:00")
    data = json.loads(run("situations", "--json", "--at", "2026-04-01T00:00"))

    assert text.splitlines()[0] == (
        "Situations 2026-01-01 to 2026-12-31, as of 2026-04-01 00:00: 1"
    )
    assert f"notice_not_served     event {event.pk}" in text
    assert [(s["kind"], s["event"], s["since"]) for s in data["situations"]] == [
        ("notice_not_served", event.pk, "2026-03-05T23:59:59+08:00")
    ]
    assert data["situations"][0]["unit"]["name"] == "京华商业广场"


def test_the_command_refuses_a_bad_date_naming_the_option():
    with pytest.raises(CommandError, match=r"^--from: '2026-3-1' is not a date"):
        run("figures", "--from", "2026-3-1")
