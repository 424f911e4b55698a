"""A crash between deciding and sending loses no notice and doubles none (LM-5).

DESIGN.md: notices go through an outbox table. A dispatcher that dies after
claiming a message leaves it `sending`; once its lease (5 minutes) is over,
a later dispatch sends it with the same idempotency key, and a receiver
that drops repeats by that key keeps exactly one copy.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection, transaction

from offsite.delivery import services
from offsite.delivery.models import Notice, OutboxMessage, Receipt

from .conftest import beijing
from .support import consent_with_channels, issue

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_a_message_claimed_by_a_dispatcher_that_died_is_sent_after_the_lease(
    unit, unit_user, receiver
):
    consent_with_channels(unit, unit_user, webhook=receiver.url)
    with transaction.atomic():
        notice = issue(unit, at=beijing(2026, 3, 2, 10, 0))
    # What a dispatcher that died right after its claim leaves behind.
    OutboxMessage.objects.filter(notice=notice).update(
        status="sending", claimed_at=beijing(2026, 3, 2, 10, 1), attempts=1
    )

    within_lease = services.dispatch(at=beijing(2026, 3, 2, 10, 5, 59))
    after_lease = services.dispatch(at=beijing(2026, 3, 2, 10, 6))

    assert within_lease.as_dict()["claimed"] == {}
    assert after_lease.reclaimed == {"inbox": 1, "webhook": 1}
    assert after_lease.sent == {"inbox": 1, "webhook": 1}
    assert len(receiver.requests) == 1
    assert notice.messages.get(kind="webhook").attempts == 2


@pytest.mark.django_db
def test_a_message_sent_but_not_marked_is_resent_with_the_same_key(
    unit, unit_user, receiver
):
    consent_with_channels(unit, unit_user, webhook=receiver.url)
    notice = issue(unit, at=beijing(2026, 3, 2, 10, 0))
    # The first two steps of a dispatch, then the process is gone: the
    # webhook took the message, the row was never marked sent.
    for message, _ in services._claim(at=beijing(2026, 3, 2, 10, 1), limit=10):
        if message.kind == "webhook":
            services._send(message)

    services.dispatch(at=beijing(2026, 3, 2, 10, 6))

    webhook = notice.messages.get(kind="webhook")
    assert [request["key"] for request in receiver.requests] == [
        str(webhook.idempotency_key),
        str(webhook.idempotency_key),
    ]
    assert len(receiver.kept) == 1
    assert webhook.status == "sent"
    assert Receipt.objects.filter(message=webhook).count() == 1


@pytest.mark.django_db
def test_a_rolled_back_decision_sends_nothing(unit, unit_user, receiver):
    consent_with_channels(unit, unit_user, webhook=receiver.url)

    with pytest.raises(RuntimeError), transaction.atomic():
        issue(unit, at=beijing(2026, 3, 2, 10, 0))
        raise RuntimeError("the deciding step failed after the notice")
    report = services.dispatch(at=beijing(2026, 3, 2, 10, 1))

    assert Notice.objects.count() == 0
    assert report.as_dict()["claimed"] == {}
    assert receiver.requests == []


def _database_url() -> str | None:
    """Return a URL of the test database another process can open, if any."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
        return (
            f"postgres://{settings['USER']}{password}@{settings['HOST']}:"
            f"{settings['PORT'] or 5432}/{settings['NAME']}"
        )
    name = str(settings["NAME"])
    if connection.vendor == "sqlite" and "memory" not in name and name:
        return f"sqlite:///{name}"
    return None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_killed_dispatch_process_loses_nothing_and_doubles_nothing(
    unit, unit_user, receiver
):
    url = _database_url()
    if url is None:
        pytest.skip("the in-memory SQLite test database is private to this process")
    consent_with_channels(unit, unit_user, webhook=receiver.url)
    with transaction.atomic():
        notice = issue(unit, at=beijing(2026, 3, 2, 10, 0))

    # The receiver is on the loopback: the dispatch process must allow it too.
    env = {**os.environ, "DATABASE_URL": url, "DELIVERY_WEBHOOK_ALLOW_PRIVATE": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "offsite.cli", "delivery", "dispatch"]
        + ["--at", "2026-03-02T10:01:00+08:00"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # The webhook has the message; the dispatcher dies before it hears back.
    receiver.on_request = lambda: os.kill(process.pid, signal.SIGKILL)
    assert process.wait(timeout=60) == -signal.SIGKILL
    receiver.on_request = None
    time.sleep(0.1)

    webhook = notice.messages.get(kind="webhook")
    assert webhook.status == "sending"
    assert len(receiver.requests) == 1

    services.dispatch(at=beijing(2026, 3, 2, 10, 6))

    webhook.refresh_from_db()
    assert webhook.status == "sent"
    assert len(receiver.requests) == 2
    assert len(receiver.kept) == 1
    assert Receipt.objects.filter(message=webhook).count() == 1
