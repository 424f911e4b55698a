"""Several dispatchers side by side send each message once (DESIGN.md).

PostgreSQL only: it needs row locks and concurrent sessions, which SQLite
(one writer) does not have.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from offsite.delivery import services
from offsite.delivery.models import OutboxMessage, Receipt

from .conftest import beijing
from .support import consent_with_channels, issue

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs concurrent sessions"
    ),
]


def test_three_dispatchers_send_each_message_exactly_once(unit, unit_user, receiver):
    consent_with_channels(unit, unit_user, webhook=receiver.url)
    for minute in range(20):
        issue(unit, at=beijing(2026, 3, 2, 10, minute))
    start = threading.Barrier(3)
    reports = []
    errors: list[BaseException] = []

    def dispatcher() -> None:
        try:
            start.wait()
            reports.append(services.dispatch(at=beijing(2026, 3, 2, 11, 0), limit=7))
            reports.append(services.dispatch(at=beijing(2026, 3, 2, 11, 0), limit=7))
        except BaseException as error:  # handed back to the test thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatcher) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sum(report.sent["webhook"] for report in reports) == 20
    assert sum(report.sent["inbox"] for report in reports) == 20
    assert len(receiver.requests) == 20
    assert len(receiver.kept) == 20
    assert OutboxMessage.objects.exclude(status="sent").count() == 0
    assert Receipt.objects.count() == 40
