"""`offsite delivery dispatch [--at TIME]`: send what the outbox holds (LM-5)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from offsite.calendar.times import parse_time
from offsite.delivery.services import dispatch

BEIJING = ZoneInfo("Asia/Shanghai")


def parse_at(text: str) -> datetime:
    """Read `--at`; a time without an offset is Beijing time."""
    try:
        return parse_time(text, "--at")
    except ValueError as error:
        raise CommandError(str(error)) from None


class Command(BaseCommand):
    help = "Electronic service: dispatch the outbox."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        run = actions.add_parser(
            "dispatch",
            help="Send due outbox messages once and print what was done as JSON.",
        )
        run.add_argument(
            "--at",
            help="Dispatch as of this ISO 8601 time (no offset = Beijing time); "
            "default now.",
        )
        run.add_argument(
            "--limit",
            type=int,
            default=100,
            help="At most this many messages (default 100).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        at = parse_at(options["at"]) if options.get("at") else timezone.now()
        if options["limit"] < 1:
            raise CommandError("--limit: must be at least 1")
        report = dispatch(at=at, limit=options["limit"])
        self.stdout.write(
            json.dumps(report.as_dict(), ensure_ascii=False, indent=2, sort_keys=True)
        )
