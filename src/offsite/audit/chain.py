"""The hash chain of the operation log (IM-8): how one entry's hash is made.

Each entry stores the hash of the entry before it (`prev_hash`) and its own
`hash`, the hex SHA-256 of this UTF-8 text, a JSON array with no spaces,
keys sorted and every non-ASCII character escaped (``\\uXXXX``):

    ["offsite-audit-v1", sequence, at, actor, action, object_type,
     object_id, detail, prev_hash]

- `sequence` is the entry's place in the chain, 1, 2, 3, … with no gap;
- `at` is the entry's time in UTC, ``YYYY-MM-DDTHH:MM:SS.ffffffZ``;
- `detail` is the entry's JSON object, keys sorted at every depth, and a
  float with no fractional part written as an integer (PostgreSQL's jsonb
  gives ``1e+20`` back as ``100000000000000000000``, so both must hash alike);
- the first entry's `prev_hash` is `GENESIS`, 64 zeros.

Changing any of these fields, or the order of the entries, changes a hash;
`offsite audit verify` recomputes them all. This module knows nothing of the
database, so the data migration and the verifier hash exactly alike.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
VERSION = "offsite-audit-v1"


def normalise_detail(detail: dict[str, Any] | None) -> dict[str, Any]:
    """Return `detail` as the database will give it back: plain JSON.

    Integer keys become strings and tuples lists, as they do once stored, so
    the hash made at writing is the hash recomputed at reading.
    """
    if detail is None:
        return {}
    if not isinstance(detail, dict):
        raise ValueError(f"detail: must be a JSON object, got {type(detail).__name__}")
    try:
        return json.loads(json.dumps(detail, allow_nan=False))
    except (TypeError, ValueError) as error:
        raise ValueError(f"detail: must be plain JSON ({error})") from error


def utc_text(at: datetime) -> str:
    """Return `at` in UTC as the chain writes it: fixed width, microseconds."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"at: must be timezone-aware, got {at.isoformat()}")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(
    *,
    sequence: int,
    at: datetime,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    detail: dict[str, Any],
    prev_hash: str,
) -> bytes:
    """Return the exact bytes an entry's hash is taken over."""
    fields = [
        VERSION,
        sequence,
        utc_text(at),
        actor,
        action,
        object_type,
        object_id,
        _integral_floats_as_ints(detail),
        prev_hash,
    ]
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return text.encode("utf-8")


def entry_hash(**fields: Any) -> str:
    """Return the hex SHA-256 of an entry's canonical bytes."""
    return hashlib.sha256(canonical(**fields)).hexdigest()


def hash_of(entry: Any) -> str:
    """Recompute the hash of a stored entry (any model with the fields)."""
    return entry_hash(
        sequence=entry.sequence,
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        detail=entry.detail,
        prev_hash=entry.prev_hash,
    )


def _integral_floats_as_ints(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _integral_floats_as_ints(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_integral_floats_as_ints(item) for item in value]
    return value
