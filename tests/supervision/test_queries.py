"""Reading events: the open one, what is due, an event's story."""

from __future__ import annotations

import pytest

from offsite.monitoring.models import CheckResult
from offsite.supervision.queries import events_due, open_event, timeline
from offsite.supervision.services import take_results, transition

from .support import beijing, real_scenario

pytestmark = pytest.mark.django_db


def test_open_event_finds_the_event_of_one_problem(make_event, unit, scenario):
    event = make_event("warned", subject="point:1-1-12")
    make_event("ended", subject="point:1-1-13")

    assert open_event(unit, scenario, "point:1-1-12") == event
    assert open_event(unit, scenario, "point:1-1-13") is None
    assert open_event(unit, real_scenario("fire_alarm"), "point:1-1-12") is None


def test_open_event_ignores_final_events(make_event, unit, scenario):
    make_event("dismissed", subject="point:1-1-12")
    make_event("case_filed", subject="point:1-1-12")

    assert open_event(unit, scenario, "point:1-1-12") is None


def test_events_due_lists_open_events_past_their_deadline_earliest_first(make_event):
    later = make_event("warned", due_at=beijing(2026, 3, 5, 23, 59, 59))
    earlier = make_event("clue", due_at=beijing(2026, 3, 4, 10, 0))
    make_event("warned", due_at=beijing(2026, 3, 6, 23, 59, 59))
    make_event("ended", due_at=beijing(2026, 3, 1, 0, 0))
    make_event("confirmed")

    assert list(events_due(beijing(2026, 3, 5, 23, 59, 59))) == [earlier, later]


def test_timeline_tells_the_story_in_order(make_result):
    result = make_result(
        real_scenario("facility_status"),
        CheckResult.Outcome.BREACH,
        observed_at=beijing(2026, 3, 2, 10, 0),
    )
    [event] = take_results([result], at=beijing(2026, 3, 2, 10, 0)).opened
    transition(event, "overdue", actor="system", at=beijing(2026, 3, 6, 0, 0))

    entries = timeline(event)

    assert [entry.kind for entry in entries] == [
        "finding",
        "transition",
        "transition",
        "prompt",
        "transition",
    ]
    assert [entry.summary for entry in entries if entry.kind == "transition"] == [
        "detected → confirmed by system: system-decided result (LM-12)",
        "confirmed → warned by system: warning prompt sent (LM-12)",
        "warned → overdue by system",
    ]
    assert entries[-1].at == beijing(2026, 3, 6, 0, 0)


def test_a_fire_alarm_timeline_names_the_immediate_prompt(make_result):
    result = make_result(
        real_scenario("fire_alarm"),
        CheckResult.Outcome.BREACH,
        observed_at=beijing(2026, 3, 2, 10, 0),
    )
    [event] = take_results([result], at=beijing(2026, 3, 2, 10, 0)).opened

    steps = [e.summary for e in timeline(event) if e.kind == "transition"]

    assert steps[-1] == "confirmed → warned by system: immediate prompt sent (LM-12)"
