"""Review requests (LM-14) walked across the Spring Festival of 2026.

2026 calendar (State Council notice): Saturday 14 February is a make-up
working day, 15-23 February are off, Saturday 28 February is a make-up
working day.
"""

from __future__ import annotations

import pytest

from offsite.delivery import services as delivery
from offsite.delivery.models import Notice
from offsite.registry.models import Person
from offsite.supervision.models import Event, ReviewRequest
from offsite.supervision.services import (
    Refused,
    TransitionRefused,
    answer_review,
    assign,
    confirm,
    file_case,
    investigate,
    report,
    request_review,
    sweep,
)

from .support import beijing, notices, serve

pytestmark = pytest.mark.django_db


@pytest.fixture
def warned_friday_13(breach, unit_user):
    """facility_status warned Friday 13 Feb 2026 10:00, served at 10:01."""
    event = breach("facility_status", beijing(2026, 2, 13, 10, 0))
    serve(beijing(2026, 2, 13, 10, 1))
    return event


@pytest.fixture
def ordered_friday_6(breach, officer, unit_user):
    """emergency_plan ordered Friday 6 Feb 2026 10:00, served at 10:01."""
    event = breach("emergency_plan", beijing(2026, 2, 6, 9, 0))
    confirm(event, actor=officer, at=beijing(2026, 2, 6, 10, 0))
    serve(beijing(2026, 2, 6, 10, 1))
    return Event.objects.get(pk=event.pk)


def test_a_warning_served_friday_13_february_is_due_after_the_festival(
    warned_friday_13,
):
    # 3 working days: Saturday 14 (make-up), then Tuesday 24 and Wednesday 25.
    assert warned_friday_13.state == "warned"
    assert warned_friday_13.due_at == beijing(2026, 2, 25, 23, 59, 59)


def test_its_review_window_ends_on_the_make_up_saturday_28_february(
    warned_friday_13, unit_user
):
    # 15 days from Saturday 14: the 15th is Saturday 28, a working day, so
    # nothing rolls. The sweep made it a clue on the 26th; still in time.
    sweep(at=beijing(2026, 2, 26, 0, 0))

    request = request_review(
        warned_friday_13,
        actor=unit_user,
        at=beijing(2026, 2, 28, 23, 0),
        statement="设备故障已于2月24日修复，附维修记录",
    )

    assert Event.objects.get(pk=warned_friday_13.pk).state == "clue"
    assert request.served_on.isoformat() == "2026-02-13"
    assert request.window_ends_at == beijing(2026, 2, 28, 23, 59, 59)
    # 3 working days from Sunday 1 March: 2, 3, 4 March.
    assert request.due_at == beijing(2026, 3, 4, 23, 59, 59)


def test_a_request_on_sunday_1_march_is_too_late(warned_friday_13, unit_user):
    with pytest.raises(Refused) as refused:
        request_review(
            warned_friday_13,
            actor=unit_user,
            at=beijing(2026, 3, 1, 9, 0),
            statement="申请复核",
        )

    assert str(refused.value) == (
        f"event {warned_friday_13.pk}: the review window ran 15 days from the "
        "service date 2026-02-13 to 2026-02-28 23:59:59; a request at "
        "2026-03-01 09:00:00 is too late (LM-14)"
    )
    assert ReviewRequest.objects.count() == 0


def test_a_15th_day_in_the_festival_rolls_to_tuesday_24_february(
    ordered_friday_6, unit_user
):
    # Served Friday 6 Feb: the 15th day is Saturday 21 Feb, a holiday; the
    # window rolls to the next working day, Tuesday 24 Feb.
    request = request_review(
        ordered_friday_6,
        actor=unit_user,
        at=beijing(2026, 2, 24, 18, 0),
        statement="预案已于节前报送，系统未同步",
    )

    assert request.window_ends_at == beijing(2026, 2, 24, 23, 59, 59)
    # 3 working days from Wednesday 25: 25, 26, 27 February.
    assert request.due_at == beijing(2026, 2, 27, 23, 59, 59)


def test_a_request_on_the_15th_day_itself_a_holiday_is_in_time(
    ordered_friday_6, unit_user
):
    request = request_review(
        ordered_friday_6,
        actor=unit_user,
        at=beijing(2026, 2, 21, 20, 0),
        statement="预案已于节前报送，系统未同步",
    )

    # Filed on a holiday: 3 working days from Sunday 22 Feb are 24, 25, 26.
    assert request.due_at == beijing(2026, 2, 26, 23, 59, 59)


def test_a_request_the_day_after_the_rolled_window_is_refused(
    ordered_friday_6, unit_user
):
    with pytest.raises(Refused, match="to 2026-02-24 23:59:59; a request at"):
        request_review(
            ordered_friday_6,
            actor=unit_user,
            at=beijing(2026, 2, 25, 0, 0),
            statement="申请复核",
        )


def test_the_window_runs_from_a_proven_later_arrival(ordered_friday_6, unit_user):
    # LM-5: the unit proves the order reached its system on Monday 9 Feb, so
    # 15 days run from then: Tuesday 24 Feb, a working day.
    notice = Notice.objects.get(event=ordered_friday_6)
    delivery.record_arrival(
        notice,
        actor=unit_user,
        arrived_on=beijing(2026, 2, 9, 0, 0).date(),
        proof="邮件服务器日志",
        at=beijing(2026, 2, 10, 9, 0),
    )

    request = request_review(
        ordered_friday_6,
        actor=unit_user,
        at=beijing(2026, 2, 24, 9, 0),
        statement="申请复核",
    )

    assert request.served_on.isoformat() == "2026-02-09"
    assert request.window_ends_at == beijing(2026, 2, 24, 23, 59, 59)


def test_before_service_the_window_has_not_begun(breach, officer, make_person, unit):
    # No consent, nothing served yet: a request cannot be late.
    unit_user = make_person("unit_user", unit=unit, name="no-consent")
    event = breach("emergency_plan", beijing(2026, 2, 6, 9, 0))
    confirm(event, actor=officer, at=beijing(2026, 2, 6, 10, 0))

    request = request_review(
        event, actor=unit_user, at=beijing(2026, 4, 1, 9, 0), statement="申请复核"
    )

    assert (request.served_on, request.window_ends_at) == (None, None)


def test_one_open_request_at_a_time(ordered_friday_6, unit_user):
    first = request_review(
        ordered_friday_6,
        actor=unit_user,
        at=beijing(2026, 2, 9, 9, 0),
        statement="申请复核",
    )

    with pytest.raises(Refused, match=f"review request {first.pk} filed 2026-02-09"):
        request_review(
            ordered_friday_6,
            actor=unit_user,
            at=beijing(2026, 2, 9, 10, 0),
            statement="再次申请",
        )


def test_upheld_revokes_the_order_ends_the_event_and_tells_the_unit(
    ordered_friday_6, unit_user, officer
):
    request = request_review(
        ordered_friday_6,
        actor=unit_user,
        at=beijing(2026, 2, 9, 9, 0),
        statement="预案已报送",
    )

    answer_review(
        request,
        actor=officer,
        at=beijing(2026, 2, 10, 15, 0),
        upheld=True,
        reason="预案确已报送，系统同步故障",
    )

    event = Event.objects.get(pk=ordered_friday_6.pk)
    assert event.state == "ended"
    assert event.transitions.last().reason == "review request upheld (LM-14)"
    assert notices(event) == [
        ("rectification_order", "京朝消限字〔2026〕第0001号"),
        ("review_answer", ""),
    ]
    body = Notice.objects.get(event=event, kind="review_answer").body
    assert "撤销《责令限期改正通知书》（京朝消限字〔2026〕第0001号）" in body


def test_refused_keeps_the_order_and_tells_the_unit_why(
    ordered_friday_6, unit_user, officer
):
    request = request_review(
        ordered_friday_6,
        actor=unit_user,
        at=beijing(2026, 2, 9, 9, 0),
        statement="预案已报送",
    )

    answer_review(
        request,
        actor=officer,
        at=beijing(2026, 2, 10, 15, 0),
        upheld=False,
        reason="平台未收到预案文件",
    )

    assert Event.objects.get(pk=ordered_friday_6.pk).state == "ordered"
    assert ReviewRequest.objects.get(pk=request.pk).state == "refused"
    body = Notice.objects.get(event=ordered_friday_6, kind="review_answer").body
    assert body.endswith("理由不成立。理由：平台未收到预案文件")


def test_only_an_officer_answers_a_review_request(
    ordered_friday_6, unit_user, dispatcher
):
    request = request_review(
        ordered_friday_6,
        actor=unit_user,
        at=beijing(2026, 2, 9, 9, 0),
        statement="申请复核",
    )

    with pytest.raises(Refused, match="only a qualified officer decides it") as err:
        answer_review(
            request,
            actor=dispatcher,
            at=beijing(2026, 2, 10, 9, 0),
            upheld=True,
            reason="ok",
        )
    assert err.value.forbidden is True


def test_an_upheld_request_ends_a_clue_too(breach, officer, unit_user):
    # control_room_duty: the warning forms a clue at once (LM-13 ¶1).
    event = breach("control_room_duty", beijing(2026, 3, 2, 9, 0))
    confirm(event, actor=officer, at=beijing(2026, 3, 2, 10, 0))
    serve(beijing(2026, 3, 2, 10, 1))
    request = request_review(
        event, actor=unit_user, at=beijing(2026, 3, 3, 9, 0), statement="值班人员在岗"
    )

    answer_review(
        request,
        actor=officer,
        at=beijing(2026, 3, 3, 16, 0),
        upheld=True,
        reason="属实",
    )

    assert Event.objects.get(pk=event.pk).state == "ended"


def test_an_officer_may_not_end_a_clue_without_an_upheld_request(
    breach, officer, unit_user
):
    from offsite.supervision.services import transition

    event = breach("control_room_duty", beijing(2026, 3, 2, 9, 0))
    confirm(event, actor=officer, at=beijing(2026, 3, 2, 10, 0))

    with pytest.raises(TransitionRefused, match="only when a review request holds"):
        transition(event, "ended", actor=officer, at=beijing(2026, 3, 2, 11, 0))


@pytest.fixture
def reported_clue(breach, officer, dispatcher, unit_user):
    event = breach("control_room_duty", beijing(2026, 3, 2, 9, 0))
    confirm(event, actor=officer, at=beijing(2026, 3, 2, 10, 0))
    serve(beijing(2026, 3, 2, 10, 1))
    assign(event, actor=dispatcher, officer=officer, at=beijing(2026, 3, 2, 14, 0))
    investigate(event, actor=officer, at=beijing(2026, 3, 3, 9, 0))
    report(
        event,
        actor=officer,
        at=beijing(2026, 3, 3, 12, 0),
        text="现场核查：控制室无人值班",
        outcome="violation_found",
    )
    return Event.objects.get(pk=event.pk)


def test_a_request_after_the_case_is_filed_is_refused(
    reported_clue, officer, unit_user
):
    file_case(reported_clue, actor=officer, at=beijing(2026, 3, 4, 9, 0))

    with pytest.raises(Refused) as refused:
        request_review(
            reported_clue,
            actor=unit_user,
            at=beijing(2026, 3, 5, 9, 0),
            statement="申请复核",
        )

    assert str(refused.value) == (
        f"event {reported_clue.pk}: a case has been filed, which ends the review "
        "window; the statement is heard in the case procedure (LM-14)"
    )


def test_a_case_is_not_filed_over_an_open_request(reported_clue, officer, unit_user):
    request = request_review(
        reported_clue,
        actor=unit_user,
        at=beijing(2026, 3, 3, 13, 0),
        statement="申请复核",
    )

    with pytest.raises(TransitionRefused, match=f"review request {request.pk} is"):
        file_case(reported_clue, actor=officer, at=beijing(2026, 3, 4, 9, 0))


def test_the_sweep_flags_a_request_not_answered_in_3_working_days(
    ordered_friday_6, unit_user
):
    request = request_review(
        ordered_friday_6,
        actor=unit_user,
        at=beijing(2026, 2, 9, 9, 0),
        statement="申请复核",
    )
    # Due Thursday 12 February, end of day.
    on_time = sweep(at=beijing(2026, 2, 12, 23, 0))
    late = sweep(at=beijing(2026, 2, 13, 0, 0))

    assert on_time.flagged["unanswered_review_request"] == []
    assert late.flagged["unanswered_review_request"] == [request.pk]
    assert late.as_dict()["late"]["review_request"] == 1


def test_a_provider_or_staff_person_may_not_ask_for_review(
    ordered_friday_6, make_person
):
    staff = make_person(Person.Role.DISPATCH_STAFF)

    with pytest.raises(
        Refused, match="only a user of unit 京华商业广场 asks for review"
    ):
        request_review(
            ordered_friday_6, actor=staff, at=beijing(2026, 2, 9, 9, 0), statement="x"
        )
