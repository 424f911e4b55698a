"""Check results become events, and events move as far as rules allow."""

from __future__ import annotations

import hashlib

import pytest

from offsite.audit.models import AuditEntry
from offsite.intake.models import Observation, RawRecord
from offsite.monitoring import services as monitoring
from offsite.monitoring.models import CheckResult
from offsite.registry import services as registry
from offsite.supervision.models import Event, EventFinding, Prompt
from offsite.supervision.services import (
    respond,
    subject_label,
    take_results,
    transition,
)

from .support import beijing, real_scenario

pytestmark = pytest.mark.django_db

BREACH = CheckResult.Outcome.BREACH
NORMAL = CheckResult.Outcome.NORMAL
UNKNOWN = CheckResult.Outcome.UNKNOWN


def moves(event: Event) -> list[tuple[str, str]]:
    return list(event.transitions.values_list("from_state", "to_state"))


def test_a_fire_alarm_opens_an_event_warned_at_once_with_an_immediate_prompt(
    make_result,
):
    # LM-12: urgent, so the unit is prompted at once and no review is waited for.
    result = make_result(
        real_scenario("fire_alarm"),
        BREACH,
        observed_at=beijing(2026, 3, 2, 10, 0, 0),
        received_at=beijing(2026, 3, 2, 10, 0, 3),
    )

    taken = take_results([result], at=beijing(2026, 3, 2, 10, 0, 5))

    [event] = taken.opened
    assert event.state == "warned"
    assert moves(event) == [("detected", "confirmed"), ("confirmed", "warned")]
    prompt = Prompt.objects.get(event=event)
    assert prompt.kind == "immediate_prompt"
    assert prompt.created_at == beijing(2026, 3, 2, 10, 0, 5)
    assert "【紧急提示】" in prompt.text


def test_a_new_event_keeps_when_the_data_was_made_and_received(make_result):
    result = make_result(
        real_scenario("fire_alarm"),
        BREACH,
        observed_at=beijing(2026, 3, 2, 9, 59, 58),
        received_at=beijing(2026, 3, 2, 10, 0, 3),
    )

    [event] = take_results([result], at=beijing(2026, 3, 2, 10, 0, 5)).opened

    stored = Event.objects.get(pk=event.pk)
    assert stored.observed_at == beijing(2026, 3, 2, 9, 59, 58)
    assert stored.data_created_at == beijing(2026, 3, 2, 10, 0, 3)
    assert stored.opened_at == beijing(2026, 3, 2, 10, 0, 5)
    assert stored.subject == "point:1-1-12"
    assert EventFinding.objects.get(event=event).finding == result.finding


def test_opening_an_event_is_in_the_operation_log(make_result):
    result = make_result(
        real_scenario("fire_alarm"), BREACH, observed_at=beijing(2026, 3, 2, 10, 0)
    )

    [event] = take_results([result], at=beijing(2026, 3, 2, 10, 0, 5)).opened

    actions = list(
        AuditEntry.objects.filter(
            object_type="event", object_id=str(event.pk)
        ).values_list("action", flat=True)
    )
    assert actions == ["event.opened", "event.transition", "event.transition"]


def test_a_second_breach_attaches_to_the_open_event(make_result):
    fire_alarm = real_scenario("fire_alarm")
    first = make_result(fire_alarm, BREACH, observed_at=beijing(2026, 3, 2, 10, 0))
    [event] = take_results([first], at=beijing(2026, 3, 2, 10, 0, 5)).opened
    again = make_result(fire_alarm, BREACH, observed_at=beijing(2026, 3, 2, 10, 3))

    taken = take_results([again], at=beijing(2026, 3, 2, 10, 3, 2))

    assert taken.opened == []
    assert taken.attached == 1
    assert Event.objects.count() == 1
    assert event.links.count() == 2
    assert Event.objects.get(pk=event.pk).state == "warned"


def test_a_breach_of_another_subject_opens_its_own_event(make_result):
    fire_alarm = real_scenario("fire_alarm")
    one = make_result(fire_alarm, BREACH, observed_at=beijing(2026, 3, 2, 10, 0))
    other = make_result(
        fire_alarm,
        BREACH,
        subject="point:1-1-13",
        observed_at=beijing(2026, 3, 2, 10, 0),
    )

    taken = take_results([one, other], at=beijing(2026, 3, 2, 10, 0, 5))

    assert len(taken.opened) == 2
    assert taken.attached == 0


def test_the_same_finding_is_taken_only_once(make_result):
    result = make_result(
        real_scenario("fire_alarm"), BREACH, observed_at=beijing(2026, 3, 2, 10, 0)
    )
    take_results([result], at=beijing(2026, 3, 2, 10, 0, 5))

    taken = take_results([result], at=beijing(2026, 3, 2, 10, 1))

    assert (taken.opened, taken.attached) == ([], 0)
    assert EventFinding.objects.count() == 1


def test_unknown_data_opens_an_event_like_a_breach(make_result):
    # LM-11: data that cannot be judged is unqualified, never a pass.
    result = make_result(
        real_scenario("facility_status"),
        UNKNOWN,
        subject="device:0000000000a1",
        observed_at=beijing(2026, 3, 2, 10, 0),
    )

    [event] = take_results([result], at=beijing(2026, 3, 2, 10, 0, 5)).opened

    assert event.state == "warned"


def test_a_system_decided_result_is_warned_with_a_deadline(make_result):
    result = make_result(
        real_scenario("facility_status"),
        BREACH,
        observed_at=beijing(2026, 2, 13, 9, 58),
        received_at=beijing(2026, 2, 13, 10, 0),
    )

    [event] = take_results([result], at=beijing(2026, 2, 13, 10, 0)).opened

    assert moves(event) == [("detected", "confirmed"), ("confirmed", "warned")]
    assert event.due_at == beijing(2026, 2, 25, 23, 59, 59)
    assert Prompt.objects.get(event=event).kind == "warning"


def test_a_rectification_order_scenario_is_ordered(make_result):
    result = make_result(
        real_scenario("self_inspection"),
        BREACH,
        subject="record:self_inspection",
        observed_at=beijing(2026, 3, 2, 10, 0),
    )

    [event] = take_results([result], at=beijing(2026, 3, 2, 10, 0, 5)).opened

    assert event.state == "ordered"
    assert Prompt.objects.get(event=event).kind == "rectification_order"


def test_a_result_a_person_must_confirm_waits_24_hours_for_review(make_result):
    # IM-15, LM-12: fire_lane findings come from video recognition.
    result = make_result(
        real_scenario("fire_lane"),
        BREACH,
        subject="lane:north",
        observed_at=beijing(2026, 3, 2, 9, 14),
        received_at=beijing(2026, 3, 2, 9, 15),
    )

    [event] = take_results([result], at=beijing(2026, 3, 2, 9, 20)).opened

    assert event.state == "awaiting_review"
    assert event.due_at == beijing(2026, 3, 3, 9, 15)
    assert Prompt.objects.count() == 0


def test_a_control_room_duty_breach_becomes_a_clue_right_after_the_warning(
    make_result, officer
):
    # LM-13 ¶1: for control-room duty the warning prompt forms a case clue.
    result = make_result(
        real_scenario("control_room_duty"),
        BREACH,
        subject="duty:control-room",
        observed_at=beijing(2026, 3, 2, 2, 10),
    )
    [event] = take_results([result], at=beijing(2026, 3, 2, 2, 10)).opened
    transition(event, "confirmed", actor=officer, at=beijing(2026, 3, 2, 8, 30))

    respond(event, actor=officer, at=beijing(2026, 3, 2, 8, 30))

    stored = Event.objects.get(pk=event.pk)
    assert stored.state == "clue"
    assert moves(event) == [
        ("detected", "awaiting_review"),
        ("awaiting_review", "confirmed"),
        ("confirmed", "warned"),
        ("warned", "clue"),
    ]
    assert stored.due_at == beijing(2026, 3, 3, 8, 30)
    assert Prompt.objects.get(event=event).kind == "warning"


def test_an_onsite_verification_scenario_turns_into_a_clue(make_scenario, make_result):
    scenario = make_scenario(
        "test_onsite",
        grade="disposal",
        procedure="onsite_verification",
        requires_confirmation=False,
    )
    result = make_result(scenario, BREACH, observed_at=beijing(2026, 3, 2, 10, 0))

    [event] = take_results([result], at=beijing(2026, 3, 2, 10, 0)).opened

    assert moves(event) == [("detected", "confirmed"), ("confirmed", "clue")]
    assert Prompt.objects.count() == 0


def test_evaluation_information_never_opens_an_event(make_result):
    # IM-12: evaluation information feeds the grading only.
    result = make_result(
        real_scenario("scale"),
        BREACH,
        subject="unit",
        observed_at=beijing(2026, 3, 2, 10, 0),
    )

    taken = take_results([result], at=beijing(2026, 3, 2, 10, 0))

    assert (taken.opened, taken.attached) == ([], 0)
    assert Event.objects.count() == 0


def test_a_breach_without_a_finding_opens_nothing(make_result):
    result = make_result(
        real_scenario("fire_alarm"), NORMAL, observed_at=beijing(2026, 3, 2, 10, 0)
    )
    CheckResult.objects.filter(pk=result.pk).update(outcome=BREACH)
    result.refresh_from_db()

    taken = take_results([result], at=beijing(2026, 3, 2, 10, 0))

    assert taken.opened == []
    assert Event.objects.count() == 0


def test_a_normal_result_ends_a_warned_event_before_the_deadline(make_result):
    facility = real_scenario("facility_status")
    breach = make_result(facility, BREACH, observed_at=beijing(2026, 2, 13, 10, 0))
    [event] = take_results([breach], at=beijing(2026, 2, 13, 10, 0)).opened
    normal = make_result(facility, NORMAL, observed_at=beijing(2026, 2, 24, 15, 0))

    taken = take_results([normal], at=beijing(2026, 2, 24, 15, 0, 2))

    stored = Event.objects.get(pk=event.pk)
    assert [e.pk for e in taken.ended] == [event.pk]
    assert stored.state == "ended"
    assert stored.normal_since == beijing(2026, 2, 24, 15, 0)
    assert stored.finished_at == beijing(2026, 2, 24, 15, 0, 2)
    last = event.transitions.last()
    assert (last.actor, last.reason) == (
        "system",
        "data back to normal before the deadline",
    )


def test_a_normal_result_received_after_the_deadline_does_not_end_the_event(
    make_result,
):
    facility = real_scenario("facility_status")
    breach = make_result(facility, BREACH, observed_at=beijing(2026, 2, 13, 10, 0))
    [event] = take_results([breach], at=beijing(2026, 2, 13, 10, 0)).opened
    late = make_result(facility, NORMAL, observed_at=beijing(2026, 2, 26, 8, 0))

    taken = take_results([late], at=beijing(2026, 2, 26, 8, 0))

    stored = Event.objects.get(pk=event.pk)
    assert taken.ended == []
    assert stored.state == "warned"
    assert stored.normal_since is None


def test_a_normal_result_while_awaiting_review_only_notes_the_time(make_result):
    fire_lane = real_scenario("fire_lane")
    breach = make_result(
        fire_lane, BREACH, subject="lane:north", observed_at=beijing(2026, 3, 2, 9, 15)
    )
    [event] = take_results([breach], at=beijing(2026, 3, 2, 9, 15)).opened
    normal = make_result(
        fire_lane, NORMAL, subject="lane:north", observed_at=beijing(2026, 3, 2, 9, 45)
    )

    taken = take_results([normal], at=beijing(2026, 3, 2, 9, 45))

    stored = Event.objects.get(pk=event.pk)
    assert taken.ended == []
    assert stored.state == "awaiting_review"
    assert stored.normal_since == beijing(2026, 3, 2, 9, 45)


def test_a_new_breach_clears_the_time_data_was_back_to_normal(make_result):
    fire_lane = real_scenario("fire_lane")
    first = make_result(
        fire_lane, BREACH, subject="lane:north", observed_at=beijing(2026, 3, 2, 9, 15)
    )
    [event] = take_results([first], at=beijing(2026, 3, 2, 9, 15)).opened
    normal = make_result(
        fire_lane, NORMAL, subject="lane:north", observed_at=beijing(2026, 3, 2, 9, 45)
    )
    take_results([normal], at=beijing(2026, 3, 2, 9, 45))
    again = make_result(
        fire_lane, BREACH, subject="lane:north", observed_at=beijing(2026, 3, 2, 10, 5)
    )

    take_results([again], at=beijing(2026, 3, 2, 10, 5))

    assert Event.objects.get(pk=event.pk).normal_since is None


def test_a_normal_result_without_an_open_event_changes_nothing(make_result):
    normal = make_result(
        real_scenario("facility_status"),
        NORMAL,
        observed_at=beijing(2026, 3, 2, 10, 0),
    )

    taken = take_results([normal], at=beijing(2026, 3, 2, 10, 0))

    assert (taken.opened, taken.ended, taken.attached) == ([], [], 0)
    assert Event.objects.count() == 0


def test_a_fire_alarm_from_a_device_reaches_the_unit_through_monitoring(unit):
    # The whole path: observation → check result → finding → event (IM-8).
    device = registry.register_device(
        unit=unit, source_address="0000000000b7", kind="transmission"
    )
    at = beijing(2026, 3, 2, 10, 0)
    payload = b"fire_alarm=true"
    raw = RawRecord.objects.create(
        source="http",
        origin="test",
        received_at=at,
        payload=payload,
        sha256=hashlib.sha256(payload).hexdigest(),
        dedup_key=hashlib.sha256(payload).hexdigest(),
        status="accepted",
        device=device,
    )
    observation = Observation.objects.create(
        raw_record=raw,
        device=device,
        point=registry.ensure_point(device=device, code="1-1-12"),
        name="fire_alarm",
        value_bool=True,
        observed_at=at,
        received_at=at,
    )
    results = monitoring.evaluate([observation], at=at)

    [event] = take_results(results, at=at).opened

    assert event.scenario.code == "fire_alarm"
    assert event.state == "warned"
    assert event.links.get().finding.check_result.observation == observation


@pytest.mark.parametrize(
    ("subject", "label"),
    [
        ("point:east-gate", "点位 east-gate"),
        ("device:000000000001", "设备 000000000001"),
        ("unit", "unit"),
    ],
)
def test_a_notice_names_the_subject_in_words(subject, label):
    assert subject_label(subject) == label
