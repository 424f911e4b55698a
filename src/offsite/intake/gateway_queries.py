"""Reads for the gateway and for `offsite intake stats`."""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime
from typing import Any

from django.db.models import Count, Sum
from django.utils import timezone

from offsite.intake.models import DuplicateCount, GatewayCommand, RawRecord

logger = logging.getLogger(__name__)


def pending_commands(
    device_addresses: Collection[str], *, requested_after: datetime
) -> list[GatewayCommand]:
    """Return unsent commands for these devices, oldest first."""
    if not device_addresses:
        return []
    return list(
        GatewayCommand.objects.select_related("device")
        .filter(
            device__source_address__in=list(device_addresses),
            sent_at__isnull=True,
            requested_at__gt=requested_after,
        )
        .order_by("requested_at", "id")
    )


def command_state(command: GatewayCommand) -> dict[str, Any]:
    """Describe a command as JSON-ready data, times in Beijing time."""

    def local(moment: datetime | None) -> str | None:
        return None if moment is None else timezone.localtime(moment).isoformat()

    if command.answered_at is not None:
        state = "answered"
    elif command.sent_at is not None:
        state = "sent"
    else:
        state = "requested"
    return {
        "id": command.pk,
        "kind": command.kind,
        "device": command.device.source_address,
        "timeout_minutes": command.timeout_minutes,
        "state": state,
        "requested_at": local(command.requested_at),
        "sent_at": local(command.sent_at),
        "sent_by": command.sent_by,
        "serial": command.serial,
        "answered_at": local(command.answered_at),
        "answer": command.answer,
    }


def raw_record_counts() -> dict[str, Any]:
    """Count raw records: accepted, rejected, duplicates and total, by source.

    Accepted and rejected records are rows; duplicates were not stored
    again and come from the daily duplicate counts. `total` is every record
    received: the three added together.
    """
    by_source = {
        source: {"accepted": 0, "rejected": 0, "duplicates": 0, "total": 0}
        for source in RawRecord.Source.values
    }
    rows = RawRecord.objects.values("source", "status").annotate(n=Count("id"))
    for row in rows:
        counts = by_source.setdefault(
            row["source"], {"accepted": 0, "rejected": 0, "duplicates": 0, "total": 0}
        )
        counts[row["status"]] = counts.get(row["status"], 0) + row["n"]
    duplicates = DuplicateCount.objects.values("source").annotate(n=Sum("count"))
    for row in duplicates:
        counts = by_source.setdefault(
            row["source"], {"accepted": 0, "rejected": 0, "duplicates": 0, "total": 0}
        )
        counts["duplicates"] += row["n"] or 0

    for counts in by_source.values():
        counts["total"] = counts["accepted"] + counts["rejected"] + counts["duplicates"]
    overall = {
        key: sum(counts[key] for counts in by_source.values())
        for key in ("accepted", "rejected", "duplicates", "total")
    }
    return {**overall, "by_source": by_source}
