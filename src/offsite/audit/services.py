"""Write the operation log (IM-8: every action is logged).

The log is append-only: entries are only ever added, and the model refuses
updates and deletes. Each entry is chained to the one before it by a
SHA-256 hash (chain.py), so `offsite audit verify` shows an entry edited or
removed behind the application's back.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import models, transaction

from offsite.audit import chain
from offsite.audit.models import AuditEntry, ChainHead

logger = logging.getLogger(__name__)


def record(
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: str | int,
    at: datetime,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the operation log and return it.

    Called inside the caller's transaction, the entry and the chain's head
    commit or roll back with the action they record. Appending locks the
    head until then, so a long transaction that logs early makes the other
    writers of the log wait for it.
    """
    if not actor:
        raise ValueError("actor: an audit entry must name who acted")
    if not action:
        raise ValueError("action: an audit entry must name what was done")
    chain.utc_text(at)  # rejects a naive time, naming the field
    detail = chain.normalise_detail(detail)

    with transaction.atomic():
        head = _locked_head()
        entry = AuditEntry(
            sequence=head.sequence + 1,
            prev_hash=head.hash,
            at=at,
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            detail=detail,
        )
        entry.hash = chain.hash_of(entry)
        entry.save()
        ChainHead.objects.filter(pk=ChainHead.ROW).update(
            sequence=entry.sequence, hash=entry.hash
        )

    logger.debug(
        "audit entry=%s sequence=%s actor=%s action=%s object=%s:%s",
        entry.pk,
        entry.sequence,
        actor,
        action,
        object_type,
        object_id,
    )
    return entry


def _locked_head() -> ChainHead:
    """Return the chain's head, locked until the transaction ends.

    The migration creates the head; it is only missing where the tables were
    emptied (a flushed test database), and then it is set again from the
    last entry. Two writers may both find it missing: the insert that loses
    does nothing, waits for the winner, and both then lock the same row.
    """
    locked = ChainHead.objects.select_for_update()
    head = locked.filter(pk=ChainHead.ROW).first()
    if head is not None:
        return head

    last = AuditEntry.objects.order_by("-sequence").first()
    ChainHead.objects.bulk_create(
        [
            ChainHead(
                pk=ChainHead.ROW,
                sequence=last.sequence if last else 0,
                hash=last.hash if last else chain.GENESIS,
            )
        ],
        ignore_conflicts=True,
    )
    return locked.get(pk=ChainHead.ROW)


def chain_existing(
    entry_model: type[models.Model], head_model: type[models.Model]
) -> int:
    """Chain the entries written before the log had a chain; return their count.

    The data migration calls this with its historical models: entries are
    numbered and hashed in id order, and the head set to the last of them,
    so a database that had a log verifies clean afterwards.
    """
    unchained = entry_model.objects.filter(sequence__isnull=True).order_by("id")
    sequence = 0
    prev_hash = chain.GENESIS

    # Batches rather than one open cursor: SQLite may show a row again, or
    # hide it, when the table is written while a cursor walks it.
    while batch := list(unchained[:1000]):
        for entry in batch:
            sequence += 1
            entry.sequence = sequence
            entry.prev_hash = prev_hash
            entry.hash = chain.hash_of(entry)
            entry_model.objects.filter(pk=entry.pk).update(
                sequence=entry.sequence, prev_hash=entry.prev_hash, hash=entry.hash
            )
            prev_hash = entry.hash

    head_model.objects.update_or_create(
        pk=1, defaults={"sequence": sequence, "hash": prev_hash}
    )
    return sequence
