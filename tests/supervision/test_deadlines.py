"""Deadlines a transition sets, from the catalog and the calendar (LM-12..13)."""

from __future__ import annotations

import pytest

from offsite.supervision.models import Event, Prompt, Transition
from offsite.supervision.services import assign, transition

from .support import beijing, real_scenario

pytestmark = pytest.mark.django_db


def test_a_warning_sent_before_the_spring_festival_is_due_after_it(make_event):
    # facility_status: 3 working days. Friday 13 Feb 2026; Saturday 14 Feb is
    # a make-up working day, 15-23 Feb the Spring Festival, then 24 and 25.
    event = make_event("confirmed", scenario=real_scenario("facility_status"))

    transition(event, "warned", actor="system", at=beijing(2026, 2, 13, 10, 0))

    stored = Event.objects.get(pk=event.pk)
    assert stored.due_at == beijing(2026, 2, 25, 23, 59, 59)
    assert stored.due_is_provisional is False


def test_the_prompt_and_the_transition_carry_the_deadline(make_event):
    event = make_event("confirmed", scenario=real_scenario("facility_status"))

    transition(event, "warned", actor="system", at=beijing(2026, 2, 13, 10, 0))

    assert Prompt.objects.get(event=event).due_at == beijing(2026, 2, 25, 23, 59, 59)
    assert Transition.objects.get(event=event).due_at == beijing(
        2026, 2, 25, 23, 59, 59
    )
    assert "2026年02月25日23:59" in Prompt.objects.get(event=event).text


def test_review_is_due_24_hours_after_the_data_was_created(make_event):
    # LM-12: from the data's creation, not from when the event was filed.
    event = make_event("detected", data_created_at=beijing(2026, 3, 2, 9, 15))

    transition(event, "awaiting_review", actor="system", at=beijing(2026, 3, 2, 9, 40))

    assert Event.objects.get(pk=event.pk).due_at == beijing(2026, 3, 3, 9, 15)


def test_a_clue_must_be_assigned_within_24_hours(make_event):
    # LM-13: the dispatch center assigns an officer within 24 hours.
    event = make_event("overdue")

    transition(event, "clue", actor="system", at=beijing(2026, 3, 6, 16, 0))

    assert Event.objects.get(pk=event.pk).due_at == beijing(2026, 3, 7, 16, 0)


def test_an_assigned_clue_is_investigated_within_3_working_days(
    make_event, make_person
):
    # LM-13 ¶1: Friday 6 March 2026 → Monday 9, Tuesday 10, Wednesday 11.
    event = make_event("clue")

    assign(
        event,
        actor=make_person("dispatch_staff"),
        officer=make_person("officer"),
        at=beijing(2026, 3, 6, 11, 0),
    )

    assert Event.objects.get(pk=event.pk).due_at == beijing(2026, 3, 11, 23, 59, 59)


def test_a_one_day_period_ending_on_a_saturday_rolls_to_monday(make_event):
    # fire_lane: 1 calendar day; Saturday 7 March 2026 is a rest day.
    event = make_event("confirmed", scenario=real_scenario("fire_lane"))

    transition(event, "warned", actor="system", at=beijing(2026, 3, 6, 10, 0))

    assert Event.objects.get(pk=event.pk).due_at == beijing(2026, 3, 9, 23, 59, 59)


def test_a_fire_alarm_prompt_is_due_within_the_hour(make_event):
    event = make_event("confirmed", scenario=real_scenario("fire_alarm"))

    transition(event, "warned", actor="system", at=beijing(2026, 3, 2, 10, 0, 5))

    assert Event.objects.get(pk=event.pk).due_at == beijing(2026, 3, 2, 11, 0, 5)


def test_a_scenario_without_a_period_gives_the_warning_no_deadline(make_event):
    # control_room_duty: the warning forms a clue at once (LM-13 ¶1).
    event = make_event("confirmed", scenario=real_scenario("control_room_duty"))

    transition(event, "warned", actor="system", at=beijing(2026, 3, 2, 10, 0))

    assert Event.objects.get(pk=event.pk).due_at is None


def test_a_deadline_in_a_year_without_holiday_data_is_provisional(make_event):
    # No State Council notice for 2027 yet: weekends only, marked provisional.
    event = make_event("confirmed", scenario=real_scenario("facility_status"))

    transition(event, "warned", actor="system", at=beijing(2027, 3, 5, 10, 0))

    stored = Event.objects.get(pk=event.pk)
    assert stored.due_at == beijing(2027, 3, 10, 23, 59, 59)
    assert stored.due_is_provisional is True


def test_states_without_a_period_clear_the_deadline(make_event, make_person):
    officer = make_person("officer")
    event = make_event(
        "assigned", assignee=officer, due_at=beijing(2026, 3, 11, 23, 59, 59)
    )

    transition(event, "investigating", actor=officer, at=beijing(2026, 3, 9, 9, 0))

    assert Event.objects.get(pk=event.pk).due_at is None
