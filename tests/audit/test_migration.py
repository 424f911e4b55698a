"""A log written before the chain existed is chained by the migration (IM-8)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from offsite.audit.models import AuditEntry, ChainHead
from offsite.audit.queries import verify_chain
from offsite.audit.services import chain_existing, record

# Going back and forth through the migrations needs real commits.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE_CHAIN = ("audit", "0001_initial")
CHAIN_FIELDS = ("audit", "0002_chain_fields")
LATEST = ("audit", "0004_sequence_required")
ZEROS = "0" * 64


@pytest.fixture
def migrate_to() -> Iterator:
    """Move the audit app to a migration; return its models; end at the latest."""

    def move(target: tuple[str, str]):
        executor = MigrationExecutor(connection)
        executor.migrate([target])
        return MigrationExecutor(connection).loader.project_state([target]).apps

    yield move
    MigrationExecutor(connection).migrate([LATEST])


def _old_entries(apps, count: int) -> list:
    entry_model = apps.get_model("audit", "AuditEntry")
    # Written out of time order: the chain follows the ids, not the times.
    return [
        entry_model.objects.create(
            at=datetime(2026, 3, 2, 9 - n, 0, tzinfo=UTC),
            actor="zhang.wei",
            action="event.transition",
            object_type="event",
            object_id=str(n),
            detail={"n": n},
        )
        for n in range(count)
    ]


def test_chain_existing_numbers_and_links_the_entries_in_id_order(migrate_to):
    apps = migrate_to(CHAIN_FIELDS)
    old = _old_entries(apps, 3)
    entry_model = apps.get_model("audit", "AuditEntry")

    chained = chain_existing(entry_model, apps.get_model("audit", "ChainHead"))

    rows = list(entry_model.objects.order_by("id"))
    assert chained == 3
    assert [row.pk for row in rows] == [entry.pk for entry in old]
    assert [row.sequence for row in rows] == [1, 2, 3]
    assert [row.prev_hash for row in rows] == [ZEROS, rows[0].hash, rows[1].hash]
    head = apps.get_model("audit", "ChainHead").objects.get()
    assert (head.pk, head.sequence, head.hash) == (1, 3, rows[2].hash)


def test_chain_existing_on_an_empty_log_starts_the_head_at_64_zeros(migrate_to):
    apps = migrate_to(CHAIN_FIELDS)

    chained = chain_existing(
        apps.get_model("audit", "AuditEntry"), apps.get_model("audit", "ChainHead")
    )

    head = apps.get_model("audit", "ChainHead").objects.get()
    assert (chained, head.sequence, head.hash) == (0, 0, ZEROS)


def test_an_existing_log_verifies_clean_after_migrating_and_grows_on(migrate_to):
    _old_entries(migrate_to(BEFORE_CHAIN), 4)

    migrate_to(LATEST)
    verdict = verify_chain()
    after = record(
        actor="system",
        action="x",
        object_type="event",
        object_id=9,
        at=datetime(2026, 3, 3, tzinfo=UTC),
    )

    assert (verdict.ok, verdict.checked, verdict.head_sequence) == (True, 4, 4)
    assert after.sequence == 5
    assert after.prev_hash == AuditEntry.objects.get(sequence=4).hash
    assert ChainHead.objects.get().sequence == 5
    assert verify_chain().ok is True
