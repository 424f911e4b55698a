"""`offsite sweep [--at TIME]`: act on everything time decides, once."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from offsite.supervision.services import sweep

BEIJING = ZoneInfo("Asia/Shanghai")


def parse_at(text: str) -> datetime:
    """Read an ISO 8601 time; a time without an offset is Beijing time."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(
            f"--at: {text!r} is not an ISO 8601 time (e.g. 2026-02-25T23:59:59 "
            "or 2026-02-25T15:59:59+00:00)"
        ) from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=BEIJING)
    return value


class Command(BaseCommand):
    help = (
        "Evaluate silence, end events back to normal, turn overdue warnings and "
        "orders into clues (LM-13), and print what was done as JSON."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--at",
            help="Sweep as of this ISO 8601 time (no offset = Beijing time); "
            "default now.",
        )

    def handle(self, *args: object, **options: object) -> None:
        at_text = options.get("at")
        at = parse_at(str(at_text)) if at_text else timezone.now()
        report = sweep(at=at)
        self.stdout.write(
            json.dumps(report.as_dict(), ensure_ascii=False, indent=2, sort_keys=True)
        )
