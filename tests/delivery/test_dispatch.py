"""Dispatching the outbox: inbox, e-mail and webhook, receipts, retries (LM-5)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core import mail

from offsite.delivery import services
from offsite.delivery.models import OutboxMessage, Receipt

from .conftest import beijing
from .support import consent_with_channels, issue

pytestmark = pytest.mark.django_db


def test_dispatch_sends_inbox_email_and_webhook_with_a_receipt_each(
    unit, unit_user, receiver
):
    consent_with_channels(
        unit, unit_user, email="safety@example.com", webhook=receiver.url
    )
    notice = issue(unit, document_number="京朝消责改〔2026〕第0001号")

    report = services.dispatch(at=beijing(2026, 3, 2, 10, 1))

    assert report.sent == {"inbox": 1, "email": 1, "webhook": 1}
    assert sorted(
        OutboxMessage.objects.filter(notice=notice).values_list("kind", "status")
    ) == [("email", "sent"), ("inbox", "sent"), ("webhook", "sent")]
    assert Receipt.objects.filter(message__notice=notice).count() == 3
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["safety@example.com"]
    assert mail.outbox[0].subject == "消防设施故障警示"
    assert "京朝消责改〔2026〕第0001号" in mail.outbox[0].body
    assert len(receiver.requests) == 1
    assert receiver.requests[0]["body"]["notice"]["title"] == "消防设施故障警示"
    assert receiver.requests[0]["body"]["unit"]["credit_code"] == unit.credit_code


def test_every_message_carries_its_idempotency_key(unit, unit_user, receiver):
    consent_with_channels(
        unit, unit_user, email="safety@example.com", webhook=receiver.url
    )
    notice = issue(unit)

    services.dispatch(at=beijing(2026, 3, 2, 10, 1))

    email_key = str(notice.messages.get(kind="email").idempotency_key)
    webhook_key = str(notice.messages.get(kind="webhook").idempotency_key)
    assert mail.outbox[0].extra_headers["X-Offsite-Idempotency-Key"] == email_key
    assert mail.outbox[0].extra_headers["Message-ID"] == f"<{email_key}@offsite.notice>"
    assert receiver.requests[0]["key"] == webhook_key
    assert receiver.requests[0]["body"]["idempotency_key"] == webhook_key


def test_the_webhook_receipt_keeps_the_answer_of_the_channel(unit, unit_user, receiver):
    consent_with_channels(unit, unit_user, webhook=receiver.url)
    notice = issue(unit)

    services.dispatch(at=beijing(2026, 3, 2, 10, 1))

    receipt = Receipt.objects.get(message__notice=notice, message__kind="webhook")
    assert receipt.source == "send"
    assert receipt.received_at == datetime(2026, 3, 2, 2, 1, tzinfo=UTC)
    assert receipt.detail["status"] == 200
    assert receipt.detail["answer"] == '{"accepted": true}'


def test_dispatch_run_twice_sends_nothing_twice(unit, unit_user, receiver):
    consent_with_channels(
        unit, unit_user, email="safety@example.com", webhook=receiver.url
    )
    issue(unit)

    services.dispatch(at=beijing(2026, 3, 2, 10, 1))
    second = services.dispatch(at=beijing(2026, 3, 2, 10, 30))

    assert second.as_dict()["claimed"] == {}
    assert len(mail.outbox) == 1
    assert len(receiver.requests) == 1


def test_a_message_not_due_yet_is_left_for_later(unit, unit_user):
    consent_with_channels(unit, unit_user)
    issue(unit, at=beijing(2026, 3, 2, 10, 0))

    report = services.dispatch(at=beijing(2026, 3, 2, 9, 59))

    assert report.as_dict()["claimed"] == {}
    assert OutboxMessage.objects.get().status == "pending"


def test_a_refusing_webhook_fails_with_backoff_and_is_retried(
    unit, unit_user, receiver
):
    consent_with_channels(unit, unit_user, webhook=receiver.url)
    notice = issue(unit)
    receiver.status = 503

    first = services.dispatch(at=beijing(2026, 3, 2, 10, 1))

    message = notice.messages.get(kind="webhook")
    assert first.failed == {"webhook": 1}
    assert message.status == "failed"
    assert message.attempts == 1
    assert message.last_error == "webhook: HTTP 503"
    assert message.next_attempt_at == beijing(2026, 3, 2, 10, 2)

    too_early = services.dispatch(at=beijing(2026, 3, 2, 10, 1, 30))
    assert too_early.as_dict()["claimed"] == {}

    receiver.status = 200
    services.dispatch(at=beijing(2026, 3, 2, 10, 2))
    message.refresh_from_db()
    assert message.status == "sent"
    assert message.attempts == 2
    assert message.sent_at == beijing(2026, 3, 2, 10, 2)


def test_the_backoff_doubles_after_each_failure(unit, unit_user, receiver):
    consent_with_channels(unit, unit_user, webhook=receiver.url)
    notice = issue(unit)
    receiver.status = 500

    services.dispatch(at=beijing(2026, 3, 2, 10, 1))
    services.dispatch(at=beijing(2026, 3, 2, 10, 2))
    services.dispatch(at=beijing(2026, 3, 2, 10, 4))

    message = notice.messages.get(kind="webhook")
    assert message.attempts == 3
    assert message.next_attempt_at == beijing(2026, 3, 2, 10, 8)


def test_an_unreachable_webhook_is_a_failed_attempt(unit, unit_user, receiver):
    url = receiver.url
    receiver.close()
    consent_with_channels(unit, unit_user, webhook=url)
    notice = issue(unit)

    report = services.dispatch(at=beijing(2026, 3, 2, 10, 1))

    assert report.failed == {"webhook": 1}
    assert report.sent == {"inbox": 1}
    assert notice.messages.get(kind="webhook").last_error.startswith("webhook: ")


def test_dispatch_takes_at_most_the_limit(unit, unit_user):
    consent_with_channels(unit, unit_user)
    for minute in range(5):
        issue(unit, at=beijing(2026, 3, 2, 10, minute))

    report = services.dispatch(at=beijing(2026, 3, 2, 11, 0), limit=3)

    assert report.sent == {"inbox": 3}
    assert OutboxMessage.objects.filter(status="pending").count() == 2


def test_issuing_and_sending_are_written_to_the_operation_log(unit, unit_user):
    from offsite.audit.models import AuditEntry

    consent_with_channels(unit, unit_user)
    notice = issue(unit)
    services.dispatch(at=beijing(2026, 3, 2, 10, 1))

    assert list(
        AuditEntry.objects.filter(object_type="notice", object_id=str(notice.pk))
        .order_by("id")
        .values_list("action", "detail__channel")
    ) == [("notice_issued", None), ("notice_sent", "inbox")]
