"""Clues (IM-14, IM-16, LM-13, LM-15, LM-16) walked across National Day 2026.

2026 calendar: 1-7 October are off, Saturday 10 October is a make-up working
day.
"""

from __future__ import annotations

import pytest

from offsite.supervision.models import AuthorityNotice, Event, OwnerChange, Report
from offsite.supervision.services import (
    Refused,
    TransitionRefused,
    assign,
    close,
    confirm,
    designate,
    file_case,
    investigate,
    report,
    sweep,
    take_over,
)

from .support import beijing

pytestmark = pytest.mark.django_db


@pytest.fixture
def clue_sept_30(breach, officer, unit_user):
    """control_room_duty confirmed Wednesday 30 September 2026 10:00: a clue."""
    event = breach("control_room_duty", beijing(2026, 9, 30, 9, 0))
    confirm(event, actor=officer, at=beijing(2026, 9, 30, 10, 0))
    return Event.objects.get(pk=event.pk)


def test_a_clue_belongs_to_the_district_of_the_unit(clue_sept_30):
    assert clue_sept_30.state == "clue"
    assert clue_sept_30.owner.code == "110105"


def test_the_clue_is_to_be_assigned_within_24_hours_holiday_or_not(clue_sept_30):
    # LM-13: 24 hours are exact hours, so 1 October counts.
    assert clue_sept_30.due_at == beijing(2026, 10, 1, 10, 0)


def test_the_investigation_is_due_3_working_days_after_filing(
    clue_sept_30, dispatcher, officer
):
    # Filed (assigned) Wednesday 30 September: 8, 9 and Saturday 10 October.
    assign(
        clue_sept_30, actor=dispatcher, officer=officer, at=beijing(2026, 9, 30, 15, 0)
    )

    stored = Event.objects.get(pk=clue_sept_30.pk)
    assert (stored.state, stored.assignee) == ("assigned", officer)
    assert stored.due_at == beijing(2026, 10, 10, 23, 59, 59)


def test_the_sweep_flags_an_unassigned_then_an_uninvestigated_clue(
    clue_sept_30, dispatcher, officer
):
    unassigned = sweep(at=beijing(2026, 10, 1, 10, 0))
    assign(
        clue_sept_30, actor=dispatcher, officer=officer, at=beijing(2026, 10, 1, 11, 0)
    )
    in_time = sweep(at=beijing(2026, 10, 10, 23, 0))
    uninvestigated = sweep(at=beijing(2026, 10, 11, 0, 0))

    assert unassigned.flagged["unassigned_clue"] == [clue_sept_30.pk]
    assert in_time.flagged["uninvestigated_clue"] == []
    assert uninvestigated.flagged["uninvestigated_clue"] == [clue_sept_30.pk]
    assert uninvestigated.as_dict()["late"]["assigned"] == 1


def test_a_clue_is_assigned_only_to_a_qualified_officer(
    clue_sept_30, dispatcher, auxiliary
):
    with pytest.raises(Refused, match="is not a qualified officer"):
        assign(
            clue_sept_30,
            actor=dispatcher,
            officer=auxiliary,
            at=beijing(2026, 9, 30, 15, 0),
        )

    assert Event.objects.get(pk=clue_sept_30.pk).assignee is None


def test_only_the_assigned_officer_investigates(
    clue_sept_30, dispatcher, officer, make_person
):
    colleague = make_person("officer", name="another-officer")
    assign(
        clue_sept_30, actor=dispatcher, officer=officer, at=beijing(2026, 9, 30, 15, 0)
    )

    with pytest.raises(TransitionRefused, match="not the officer the clue is assigned"):
        investigate(clue_sept_30, actor=colleague, at=beijing(2026, 10, 8, 9, 0))


@pytest.fixture
def investigating(clue_sept_30, dispatcher, officer):
    assign(
        clue_sept_30, actor=dispatcher, officer=officer, at=beijing(2026, 9, 30, 15, 0)
    )
    investigate(clue_sept_30, actor=officer, at=beijing(2026, 10, 8, 9, 0))
    return clue_sept_30


def test_one_clue_one_report(investigating, officer):
    first = report(
        investigating,
        actor=officer,
        at=beijing(2026, 10, 8, 15, 0),
        text="现场核查：值班人员已到岗",
        outcome="rectification_verified",
    )

    with pytest.raises(Refused) as refused:
        report(
            investigating,
            actor=officer,
            at=beijing(2026, 10, 9, 9, 0),
            text="补充报告",
            outcome="rectification_verified",
        )

    assert str(refused.value) == (
        f"event {investigating.pk} already has its report, filed 2026-10-08 "
        "15:00:00 by chaoyang-officer; one piece of information, one report (IM-16)"
    )
    assert list(Report.objects.all()) == [first]


def test_a_verified_rectification_closes_the_clue(investigating, officer, dispatcher):
    report(
        investigating,
        actor=officer,
        at=beijing(2026, 10, 8, 15, 0),
        text="现场核查：值班人员已到岗",
        outcome="rectification_verified",
    )

    close(investigating, actor=dispatcher, at=beijing(2026, 10, 9, 9, 0))

    stored = Event.objects.get(pk=investigating.pk)
    assert (stored.state, stored.finished_at) == ("closed", beijing(2026, 10, 9, 9, 0))


def test_a_clue_with_a_violation_is_not_closed_but_filed(investigating, officer):
    report(
        investigating,
        actor=officer,
        at=beijing(2026, 10, 8, 15, 0),
        text="现场核查：控制室无人值班",
        outcome="violation_found",
    )

    with pytest.raises(TransitionRefused, match="closed only when rectification"):
        close(investigating, actor=officer, at=beijing(2026, 10, 9, 9, 0))
    file_case(investigating, actor=officer, at=beijing(2026, 10, 9, 9, 0))

    assert Event.objects.get(pk=investigating.pk).state == "case_filed"


def test_the_city_takes_a_clue_over_and_both_are_told(
    clue_sept_30, city_dispatcher, dispatcher, officer
):
    take_over(clue_sept_30, actor=city_dispatcher, at=beijing(2026, 9, 30, 11, 0))

    stored = Event.objects.get(pk=clue_sept_30.pk)
    assert stored.owner.code == "110000"
    assert sorted(
        AuthorityNotice.objects.filter(kind="clue_notice").values_list(
            "authority__code", flat=True
        )
    ) == ["110000", "110105"]
    # The district no longer handles it (LM-15).
    with pytest.raises(Refused, match="handled by 110000 北京市 \\(LM-15\\)") as err:
        assign(
            stored, actor=dispatcher, officer=officer, at=beijing(2026, 9, 30, 12, 0)
        )
    assert err.value.forbidden is True


def test_the_city_designates_another_district(
    clue_sept_30, city_dispatcher, make_person
):
    haidian_dispatch = make_person("dispatch_staff", code="110108")
    haidian_officer = make_person("officer", code="110108")

    designate(
        clue_sept_30,
        actor=city_dispatcher,
        district=haidian_dispatch.authority,
        at=beijing(2026, 9, 30, 11, 0),
    )
    assign(
        clue_sept_30,
        actor=haidian_dispatch,
        officer=haidian_officer,
        at=beijing(2026, 9, 30, 14, 0),
    )

    change = OwnerChange.objects.get()
    assert (change.from_authority.code, change.to_authority.code) == (
        "110105",
        "110108",
    )
    assert Event.objects.get(pk=clue_sept_30.pk).state == "assigned"


def test_a_hand_over_dated_before_the_last_one_is_refused(
    clue_sept_30, city_dispatcher, make_person
):
    """Two hand-overs sent at once: the one stamped earlier but written later."""
    haidian = make_person("dispatch_staff", code="110108").authority
    designate(
        clue_sept_30,
        actor=city_dispatcher,
        district=haidian,
        at=beijing(2026, 9, 30, 11, 0),
    )

    with pytest.raises(
        Refused, match="is before the event's last step at 2026-09-30T11:00"
    ):
        take_over(clue_sept_30, actor=city_dispatcher, at=beijing(2026, 9, 30, 10, 59))

    assert OwnerChange.objects.count() == 1
    assert Event.objects.get(pk=clue_sept_30.pk).owner.code == "110108"


def test_a_district_may_not_designate(clue_sept_30, dispatcher, authority):
    with pytest.raises(Refused, match="only the city's dispatch staff or officers"):
        designate(
            clue_sept_30,
            actor=dispatcher,
            district=authority("110108"),
            at=beijing(2026, 9, 30, 11, 0),
        )


def test_the_fire_station_is_told_of_a_fire_lane_clue(
    breach, officer, dispatcher, unit_user
):
    # LM-16: fire-lane problems → the station updates its firefighting plan.
    event = breach("fire_lane", beijing(2026, 9, 28, 9, 0))
    confirm(event, actor=officer, at=beijing(2026, 9, 28, 10, 0))
    sweep(at=beijing(2026, 9, 30, 0, 0))  # 1 day, due end of 29 September

    assign(event, actor=dispatcher, officer=officer, at=beijing(2026, 9, 30, 9, 0))

    notice = AuthorityNotice.objects.get(event=event)
    assert (notice.kind, notice.authority.code) == ("station_notice", "110105")
    assert "及时修订灭火预案" in notice.text


def test_no_station_notice_for_control_room_duty(clue_sept_30, dispatcher, officer):
    assign(
        clue_sept_30, actor=dispatcher, officer=officer, at=beijing(2026, 9, 30, 15, 0)
    )

    assert AuthorityNotice.objects.count() == 0
