"""`offsite sweep [--at TIME]`: act on everything time decides, once."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from offsite.calendar.times import parse_time
from offsite.supervision.services import sweep

BEIJING = ZoneInfo("Asia/Shanghai")


def parse_at(text: str) -> datetime:
    """Read `--at`; a time without an offset is Beijing time."""
    try:
        return parse_time(text, "--at")
    except ValueError as error:
        raise CommandError(str(error)) from None


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
