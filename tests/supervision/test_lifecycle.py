"""The event lifecycle: which moves exist and who may make them (DESIGN.md)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from offsite.audit.models import AuditEntry
from offsite.registry.models import Authority, Person
from offsite.supervision.models import (
    Event,
    Prompt,
    Report,
    ReviewRequest,
    Transition,
)
from offsite.supervision.services import TransitionRefused, transition

pytestmark = pytest.mark.django_db

AT = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)

STATES = [
    "detected",
    "awaiting_review",
    "dismissed",
    "confirmed",
    "warned",
    "ordered",
    "ended",
    "overdue",
    "clue",
    "assigned",
    "investigating",
    "reported",
    "closed",
    "case_filed",
]

# Every arrow of the DESIGN.md diagram, plus warned → clue (LM-13 ¶1) and a
# clue ended by an upheld review request (LM-14), with one actor who may make
# it.
ALLOWED = {
    ("detected", "awaiting_review"): "system",
    ("detected", "confirmed"): "system",
    ("awaiting_review", "confirmed"): "officer",
    ("awaiting_review", "dismissed"): "officer",
    ("confirmed", "warned"): "system",
    ("confirmed", "ordered"): "system",
    ("confirmed", "clue"): "system",
    ("warned", "ended"): "system",
    ("warned", "overdue"): "system",
    ("warned", "clue"): "system",
    ("ordered", "ended"): "system",
    ("ordered", "overdue"): "system",
    ("overdue", "clue"): "system",
    ("clue", "assigned"): "dispatch_staff",
    ("assigned", "investigating"): "officer",
    ("investigating", "reported"): "officer",
    ("reported", "closed"): "dispatch_staff",
    ("reported", "case_filed"): "officer",
    ("clue", "ended"): "officer",
    ("assigned", "ended"): "officer",
    ("investigating", "ended"): "officer",
    ("reported", "ended"): "officer",
}

REFUSED = [pair for pair in itertools.product(STATES, STATES) if pair not in ALLOWED]


def test_the_table_covers_every_state_pair():
    assert len(ALLOWED) == 22
    assert len(REFUSED) == 14 * 14 - 22


@pytest.fixture
def actor_of(make_person):
    def actor(kind: str) -> str | Person:
        return kind if kind == "system" else make_person(kind)

    return actor


def make_ready(event: Event, to_state: str, actor: str | Person, officer: Person):
    """Write the records a move needs: an assignee, a report, an upheld request."""
    if to_state == "assigned":
        event.assignee = officer
    if to_state in ("investigating", "reported"):
        event.assignee = actor
    event.save()
    if to_state in ("reported", "closed"):
        Report.objects.create(
            event=event,
            officer=officer,
            at=AT,
            text="on site: fixed",
            outcome="rectification_verified",
        )
    if to_state == "ended" and event.state != "warned" and event.state != "ordered":
        ReviewRequest.objects.create(
            event=event,
            person=officer,
            filed_at=AT,
            statement="the data was wrong",
            due_at=AT,
            state="upheld",
        )


@pytest.mark.parametrize(("from_state", "to_state"), sorted(ALLOWED))
def test_every_allowed_move_succeeds(
    make_event, actor_of, officer, from_state, to_state
):
    event = make_event(from_state)
    actor = actor_of(ALLOWED[(from_state, to_state)])
    make_ready(event, to_state, actor, officer)

    transition(event, to_state, actor=actor, at=AT)

    assert Event.objects.get(pk=event.pk).state == to_state
    assert event.state == to_state


@pytest.mark.parametrize(("from_state", "to_state"), REFUSED)
def test_every_other_move_is_refused(make_event, officer, from_state, to_state):
    event = make_event(from_state)

    for actor in ("system", officer):
        with pytest.raises(TransitionRefused, match="not allowed by the lifecycle"):
            transition(event, to_state, actor=actor, at=AT)

    assert Event.objects.get(pk=event.pk).state == from_state
    assert Transition.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_auxiliary_staff_may_not_confirm(make_event, make_person):
    event = make_event("awaiting_review")
    auxiliary = make_person(Person.Role.AUXILIARY)

    with pytest.raises(TransitionRefused) as refused:
        transition(event, "confirmed", actor=auxiliary, at=AT)

    message = str(refused.value)
    assert f"event {event.pk}" in message
    assert "awaiting_review → confirmed" in message
    assert f"{auxiliary.user.username} (auxiliary)" in message
    assert "only officer may" in message
    assert "LM-9" in message
    assert Event.objects.get(pk=event.pk).state == "awaiting_review"


def test_auxiliary_staff_may_not_dismiss(make_event, make_person):
    event = make_event("awaiting_review")

    with pytest.raises(TransitionRefused, match="only officer may"):
        transition(event, "dismissed", actor=make_person(Person.Role.AUXILIARY), at=AT)


def test_dispatch_staff_who_are_not_officers_may_not_confirm(make_event, make_person):
    event = make_event("awaiting_review")

    with pytest.raises(TransitionRefused, match="only officer may"):
        transition(
            event, "confirmed", actor=make_person(Person.Role.DISPATCH_STAFF), at=AT
        )


def test_the_system_may_not_confirm_what_a_person_must_judge(make_event):
    event = make_event("awaiting_review")

    with pytest.raises(TransitionRefused, match="actor system may not"):
        transition(event, "confirmed", actor="system", at=AT)


def test_an_officer_confirms_an_event_awaiting_review(make_event, officer):
    event = make_event("awaiting_review")

    transition(event, "confirmed", actor=officer, at=AT, reason="data checked")

    step = Transition.objects.get(event=event)
    assert event.state == "confirmed"
    assert step.actor == officer.user.username
    assert step.person == officer


def test_an_officer_of_the_city_may_confirm_in_any_district(make_event, make_person):
    event = make_event("awaiting_review")
    city_officer = make_person(
        Person.Role.OFFICER, authority=Authority.objects.get(code="110000")
    )

    transition(event, "confirmed", actor=city_officer, at=AT)

    assert event.state == "confirmed"


def test_an_officer_of_another_district_may_not_confirm(make_event, make_person):
    event = make_event("awaiting_review")
    haidian_officer = make_person(
        Person.Role.OFFICER, authority=Authority.objects.get(code="110108")
    )

    with pytest.raises(TransitionRefused, match="LM-15"):
        transition(event, "confirmed", actor=haidian_officer, at=AT)


@pytest.mark.parametrize(("from_state", "to_state"), sorted(ALLOWED))
def test_a_unit_user_may_make_no_move(
    make_event, make_person, unit, from_state, to_state
):
    event = make_event(from_state)
    unit_user = make_person(Person.Role.UNIT_USER, unit=unit)

    with pytest.raises(TransitionRefused, match="may not make this move"):
        transition(event, to_state, actor=unit_user, at=AT)


def test_an_actor_that_is_neither_system_nor_a_person_is_refused(make_event):
    event = make_event("detected")

    with pytest.raises(TransitionRefused, match="actor 'cron' is neither"):
        transition(event, "awaiting_review", actor="cron", at=AT)


def test_an_unknown_state_is_refused(make_event):
    event = make_event("detected")

    with pytest.raises(TransitionRefused, match="'finished' is not an event state"):
        transition(event, "finished", actor="system", at=AT)


def test_a_naive_time_is_refused(make_event):
    event = make_event("detected")

    with pytest.raises(ValueError, match="at: must be timezone-aware"):
        transition(event, "awaiting_review", actor="system", at=datetime(2026, 3, 2))


def test_a_transition_writes_one_transition_row_and_one_audit_entry(
    make_event, officer
):
    event = make_event("awaiting_review")

    transition(event, "dismissed", actor=officer, at=AT, reason="sensor under test")

    step = Transition.objects.get()
    assert (step.event_id, step.from_state, step.to_state) == (
        event.pk,
        "awaiting_review",
        "dismissed",
    )
    assert step.at == datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    assert step.reason == "sensor under test"
    entry = AuditEntry.objects.get()
    assert entry.action == "event.transition"
    assert entry.object_type == "event"
    assert entry.object_id == str(event.pk)
    assert entry.actor == officer.user.username
    assert entry.at == datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    assert entry.detail["from"] == "awaiting_review"
    assert entry.detail["to"] == "dismissed"
    assert entry.detail["reason"] == "sensor under test"
    assert entry.detail["transition"] == step.pk


def test_a_refused_transition_writes_nothing(make_event, make_person):
    event = make_event("awaiting_review")

    with pytest.raises(TransitionRefused):
        transition(event, "confirmed", actor=make_person(Person.Role.AUXILIARY), at=AT)

    stored = Event.objects.get(pk=event.pk)
    assert stored.state == "awaiting_review"
    assert stored.state_changed_at == datetime(2026, 3, 2, 1, 15, tzinfo=UTC)
    assert event.state == "awaiting_review"
    assert Transition.objects.count() == 0
    assert AuditEntry.objects.count() == 0
    assert Prompt.objects.count() == 0


def test_a_transition_stamps_the_time_of_the_change(make_event):
    event = make_event("detected")

    transition(event, "awaiting_review", actor="system", at=AT)

    stored = Event.objects.get(pk=event.pk)
    assert stored.state_changed_at == datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    assert stored.finished_at is None


def test_a_final_state_stamps_finished_at_and_clears_the_deadline(make_event, officer):
    event = make_event(
        "awaiting_review", due_at=datetime(2026, 3, 3, 1, 15, tzinfo=UTC)
    )

    transition(event, "dismissed", actor=officer, at=AT)

    stored = Event.objects.get(pk=event.pk)
    assert stored.finished_at == datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    assert stored.due_at is None


def test_the_state_in_the_database_decides_not_a_stale_copy(make_event, officer):
    event = make_event("awaiting_review")
    stale = Event.objects.get(pk=event.pk)
    transition(event, "dismissed", actor=officer, at=AT)

    with pytest.raises(TransitionRefused, match="dismissed → confirmed"):
        transition(stale, "confirmed", actor=officer, at=AT)

    assert Event.objects.get(pk=event.pk).state == "dismissed"
    assert Transition.objects.count() == 1


def test_a_warning_records_a_prompt_for_the_unit(make_event, unit):
    event = make_event("confirmed")

    transition(event, "warned", actor="system", at=AT)

    prompt = Prompt.objects.get(event=event)
    assert prompt.kind == "warning"
    assert prompt.unit == unit
    assert prompt.created_at == datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    assert "【预警提示】" in prompt.text


def test_an_order_records_a_rectification_order_prompt(make_event):
    event = make_event("confirmed")

    transition(event, "ordered", actor="system", at=AT)

    assert Prompt.objects.get(event=event).kind == "rectification_order"


def test_a_review_request_upheld_lets_an_officer_end_a_warned_event(
    make_event, officer
):
    event = make_event("warned")

    transition(event, "ended", actor=officer, at=AT, reason="review request upheld")

    assert Event.objects.get(pk=event.pk).state == "ended"
