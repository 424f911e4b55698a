"""Plain helpers for workflow tests."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from offsite.delivery import services as delivery
from offsite.delivery.models import Notice

BEIJING = ZoneInfo("Asia/Shanghai")


def beijing(*parts: int) -> datetime:
    """Return a Beijing wall-clock time as an aware datetime."""
    return datetime(*parts, tzinfo=BEIJING)


def serve(at: datetime) -> None:
    """Send every notice due in the outbox, as the dispatcher would at `at`."""
    delivery.dispatch(at=at)


def notices(event) -> list[tuple[str, str]]:
    """Return the (kind, document number) of every notice about an event."""
    return list(
        Notice.objects.filter(event=event)
        .order_by("created_at", "pk")
        .values_list("kind", "document_number")
    )
