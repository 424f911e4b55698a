"""Order numbers taken side by side never repeat (PostgreSQL only).

SQLite has one writer, so only PostgreSQL can race two numberings.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from offsite.registry.models import Authority
from offsite.supervision.models import DocumentCounter
from offsite.supervision.services import next_document_number

from .support import beijing

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs concurrent sessions"
    ),
]


def test_four_desks_numbering_at_once_get_forty_distinct_numbers():
    chaoyang = Authority.objects.get(code="110105")
    start = threading.Barrier(4)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def desk() -> None:
        try:
            start.wait()
            for _ in range(10):
                with transaction.atomic():
                    numbers.append(
                        next_document_number(chaoyang, at=beijing(2026, 3, 2, 10, 0))
                    )
        except BaseException as exc:  # handed back to the test thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=desk) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(numbers) == [f"京朝消限字〔2026〕第{n:04d}号" for n in range(1, 41)]
    assert DocumentCounter.objects.get(authority=chaoyang, year=2026).last_number == 40
