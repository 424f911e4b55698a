"""Write the operation log (IM-8: every action is logged).

The log is append-only: entries are only ever added, and the model refuses
updates and deletes. The hash chain that DESIGN.md describes, and the
`offsite audit verify` command that checks it, are not built yet; until
then nothing but the database's own access control proves an entry was
not edited.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from offsite.audit.models import AuditEntry

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
    """Append one entry to the operation log and return it."""
    if not actor:
        raise ValueError("actor: an audit entry must name who acted")
    if not action:
        raise ValueError("action: an audit entry must name what was done")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"at: must be timezone-aware, got {at.isoformat()}")

    entry = AuditEntry.objects.create(
        at=at,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        detail=detail or {},
    )
    logger.debug(
        "audit entry=%s actor=%s action=%s object=%s:%s",
        entry.pk,
        actor,
        action,
        object_type,
        object_id,
    )
    return entry
