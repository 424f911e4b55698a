"""Issuing notices through the outbox and the dates they count as served (LM-5)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from offsite.delivery import queries, services
from offsite.delivery.models import Channel, Notice, OutboxMessage

from .conftest import beijing
from .support import issue

pytestmark = pytest.mark.django_db


def test_a_notice_without_consent_is_recorded_but_queues_nothing(unit):
    notice = issue(unit)

    assert notice.electronic is False
    assert list(queries.inbox(unit)) == [notice]
    assert OutboxMessage.objects.count() == 0
    assert queries.service_date(notice) is None


def test_with_consent_a_notice_queues_one_message_per_active_channel(unit, unit_user):
    services.record_consent(
        unit=unit, person=unit_user, consented=True, at=beijing(2026, 3, 1, 9, 0)
    )
    services.add_channel(
        unit=unit,
        kind="email",
        address="safety@example.com",
        source="registration",
        at=beijing(2026, 3, 1, 9, 0),
    )
    retired = services.add_channel(
        unit=unit,
        kind="webhook",
        address="https://sms.example.com/hook",
        source="unit",
        at=beijing(2026, 3, 1, 9, 0),
    )
    Channel.objects.filter(pk=retired.pk).update(active=False)

    notice = issue(unit)

    assert notice.electronic is True
    assert sorted(
        OutboxMessage.objects.filter(notice=notice).values_list("kind", "status")
    ) == [("email", "pending"), ("inbox", "pending")]


def test_a_declined_latest_answer_stops_electronic_service(unit, unit_user):
    services.record_consent(
        unit=unit, person=unit_user, consented=True, at=beijing(2026, 3, 1, 9, 0)
    )
    services.record_consent(
        unit=unit, person=unit_user, consented=False, at=beijing(2026, 3, 1, 9, 30)
    )

    notice = issue(unit)

    assert notice.electronic is False
    assert OutboxMessage.objects.count() == 0


def test_a_rolled_back_decision_leaves_no_notice_and_no_outbox_row(unit, unit_user):
    services.record_consent(
        unit=unit, person=unit_user, consented=True, at=beijing(2026, 3, 1, 9, 0)
    )

    with pytest.raises(RuntimeError), transaction.atomic():
        issue(unit)
        raise RuntimeError("the deciding step failed after the notice")

    assert Notice.objects.count() == 0
    assert OutboxMessage.objects.count() == 0


def test_an_unknown_kind_is_refused_naming_the_field(unit):
    with pytest.raises(ValidationError) as refused:
        issue(unit, kind="fine")

    assert "kind" in refused.value.message_dict
    assert Notice.objects.count() == 0


def test_the_service_date_is_the_beijing_date_shown_as_sent(unit, unit_user):
    services.record_consent(
        unit=unit, person=unit_user, consented=True, at=beijing(2026, 3, 1, 9, 0)
    )
    notice = issue(unit, at=beijing(2026, 3, 2, 23, 50))

    services.dispatch(at=beijing(2026, 3, 3, 0, 5))

    assert queries.service_date(notice) == date(2026, 3, 3)


def test_a_proven_arrival_date_overrides_the_date_shown_as_sent(unit, unit_user):
    services.record_consent(
        unit=unit, person=unit_user, consented=True, at=beijing(2026, 3, 1, 9, 0)
    )
    notice = issue(unit, at=beijing(2026, 3, 2, 10, 0))
    services.dispatch(at=beijing(2026, 3, 2, 10, 1))

    services.record_arrival(
        notice,
        actor=unit_user,
        arrived_on=date(2026, 3, 4),
        proof="邮件服务器日志显示 3月4日 到达",
        at=beijing(2026, 3, 5, 9, 0),
    )

    assert queries.service_date(notice) == date(2026, 3, 4)


def test_consent_serves_from_then_on_the_notices_that_waited_for_it(
    unit, unit_user, make_person
):
    waiting = issue(unit, at=beijing(2026, 3, 2, 10, 0))
    served_by_hand = issue(unit, at=beijing(2026, 3, 2, 11, 0))
    services.record_service(
        served_by_hand,
        actor=make_person("officer"),
        served_on=date(2026, 3, 2),
        method="直接送达",
        at=beijing(2026, 3, 2, 15, 0),
    )

    services.record_consent(
        unit=unit, person=unit_user, consented=True, at=beijing(2026, 3, 4, 9, 0)
    )
    services.dispatch(at=beijing(2026, 3, 4, 9, 1))

    waiting.refresh_from_db()
    assert waiting.electronic is True
    assert queries.service_date(waiting) == date(2026, 3, 4)
    assert served_by_hand.messages.count() == 0
    assert queries.service_date(served_by_hand) == date(2026, 3, 2)


def test_a_notice_without_consent_is_served_on_the_date_recorded(unit, make_person):
    officer = make_person("officer")
    notice = issue(unit, at=beijing(2026, 3, 2, 10, 0))

    services.record_service(
        notice,
        actor=officer,
        served_on=date(2026, 3, 3),
        method="直接送达",
        at=beijing(2026, 3, 3, 15, 0),
    )

    assert queries.service_date(notice) == date(2026, 3, 3)


def test_arrival_cannot_be_proven_for_a_notice_never_sent(unit, unit_user):
    notice = issue(unit)

    with pytest.raises(ValidationError) as refused:
        services.record_arrival(
            notice,
            actor=unit_user,
            arrived_on=date(2026, 3, 4),
            proof="截图",
            at=beijing(2026, 3, 5, 9, 0),
        )

    assert "arrived_on" in refused.value.message_dict


def test_a_notice_about_another_units_event_is_refused(unit, make_unit):
    from offsite.supervision.models import Event

    others_event = Event(unit=make_unit("另一家单位", "110105"))

    with pytest.raises(ValidationError) as refused:
        issue(unit, event=others_event)

    assert refused.value.message_dict == {
        "event": ["the event belongs to another unit"]
    }
    assert Notice.objects.count() == 0


def test_only_a_unit_user_of_the_unit_answers_the_consent(unit, make_unit, make_person):
    stranger = make_person("unit_user", unit=make_unit("另一家单位", "110105"))

    with pytest.raises(ValidationError) as refused:
        services.record_consent(
            unit=unit, person=stranger, consented=True, at=beijing(2026, 3, 1, 9, 0)
        )

    assert list(refused.value.message_dict) == ["person"]


def test_consent_is_required_only_until_the_unit_first_answers(
    unit, unit_user, make_person
):
    colleague = make_person("unit_user", unit=unit)
    assert queries.consent_required(colleague) is True

    services.record_consent(
        unit=unit, person=unit_user, consented=False, at=beijing(2026, 3, 1, 9, 0)
    )

    assert queries.consent_required(colleague) is False
    assert queries.consent_required(make_person("officer")) is False
