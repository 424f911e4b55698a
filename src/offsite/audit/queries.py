"""Read the operation log."""

from __future__ import annotations

from django.db.models import QuerySet

from offsite.audit.models import AuditEntry


def entries_for(object_type: str, object_id: str | int) -> QuerySet[AuditEntry]:
    """Return the entries about one object, oldest first."""
    return AuditEntry.objects.filter(
        object_type=object_type, object_id=str(object_id)
    ).order_by("at", "id")
