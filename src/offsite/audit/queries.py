"""Read the operation log, and check its hash chain (IM-8)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from offsite.audit import chain
from offsite.audit.models import AuditEntry, ChainHead

# What can be wrong with an entry, as `Break.problem` names it.
HASH = "hash"  # its fields no longer give its stored hash: it was edited
LINK = "link"  # its prev_hash is not the stored hash of the entry before it
HEAD = "head"  # the log does not end where the chain's head says it does


def entries_for(object_type: str, object_id: str | int) -> QuerySet[AuditEntry]:
    """Return the entries about one object, oldest first."""
    return AuditEntry.objects.filter(
        object_type=object_type, object_id=str(object_id)
    ).order_by("at", "id")


@dataclass(frozen=True)
class Break:
    """The first place where the chain does not hold."""

    problem: str
    message: str
    entry_id: int | None = None
    sequence: int | None = None
    at: datetime | None = None
    expected: str = ""
    found: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "problem": self.problem,
            "message": self.message,
            "id": self.entry_id,
            "sequence": self.sequence,
            "at": chain.utc_text(self.at) if self.at else None,
            "expected": self.expected,
            "found": self.found,
        }


@dataclass(frozen=True)
class Verdict:
    """What `verify_chain` found: the entries that hold, and the first break."""

    checked: int
    head_sequence: int
    head_hash: str
    broken: Break | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.checked,
            "head": {"sequence": self.head_sequence, "hash": self.head_hash},
            "broken": self.broken.as_dict() if self.broken else None,
        }


def verify_chain(*, batch_size: int = 2000) -> Verdict:
    """Walk the whole log in chain order, recompute every hash, stop at a break.

    An entry is sound when its fields give its stored hash and its prev_hash
    is the stored hash of the entry before it. A removed entry breaks the
    link of the one after it; removed entries at the end show as a log that
    ends before the head. Whoever can write the database could still rewrite
    every hash after an edit, head included: comparing the head's hash with
    one noted down earlier is what shows that.
    """
    head = ChainHead.objects.filter(pk=ChainHead.ROW).first()
    head_sequence = head.sequence if head else 0
    head_hash = head.hash if head else chain.GENESIS

    checked = 0
    previous: AuditEntry | None = None
    for entry in _in_chain_order(batch_size):
        broken = _break_at(entry, previous)
        if broken:
            return Verdict(checked, head_sequence, head_hash, broken)
        checked += 1
        previous = entry

    last_sequence = previous.sequence if previous else 0
    last_hash = previous.hash if previous else chain.GENESIS
    if (last_sequence, last_hash) != (head_sequence, head_hash):
        broken = Break(
            problem=HEAD,
            message=(
                f"the log ends at sequence {last_sequence} but its head records "
                f"sequence {head_sequence}: entries were removed from its end, "
                "or the head was changed"
            ),
            entry_id=previous.pk if previous else None,
            sequence=last_sequence,
            at=previous.at if previous else None,
            expected=head_hash,
            found=last_hash,
        )
        return Verdict(checked, head_sequence, head_hash, broken)
    return Verdict(checked, head_sequence, head_hash)


def _in_chain_order(batch_size: int):
    """Yield every entry by sequence, a batch at a time, keeping memory flat."""
    after = 0
    while True:
        batch = list(
            AuditEntry.objects.filter(sequence__gt=after).order_by("sequence")[
                :batch_size
            ]
        )
        yield from batch
        if len(batch) < batch_size:
            return
        after = batch[-1].sequence


def _break_at(entry: AuditEntry, previous: AuditEntry | None) -> Break | None:
    where = {"entry_id": entry.pk, "sequence": entry.sequence, "at": entry.at}

    recomputed = chain.hash_of(entry)
    if recomputed != entry.hash:
        return Break(
            problem=HASH,
            message=(
                f"entry {entry.pk} (sequence {entry.sequence}) does not match its "
                "own hash: a field was changed after it was written"
            ),
            expected=entry.hash,
            found=recomputed,
            **where,
        )

    before_hash = previous.hash if previous else chain.GENESIS
    before_sequence = previous.sequence if previous else 0
    if entry.prev_hash != before_hash or entry.sequence != before_sequence + 1:
        before = (
            f"entry {previous.pk} (sequence {before_sequence})"
            if previous
            else "the start of the log"
        )
        return Break(
            problem=LINK,
            message=(
                f"entry {entry.pk} (sequence {entry.sequence}) does not link to "
                f"{before}: an entry between them was removed, or one was changed"
            ),
            expected=before_hash,
            found=entry.prev_hash,
            **where,
        )
    return None
