"""`offsite sweep [--at TIME]`: act on everything time decides, once."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from offsite.calendar.times import parse_time
from offsite.supervision.services import sweep

BEIJING = ZoneInfo("Asia/Shanghai")


# How far a given time may run ahead of the clock: two machines' clocks.
CLOCK_SKEW = timedelta(minutes=5)
ALLOW_FUTURE_HELP = (
    "accept an --at later than now, to walk a training copy ahead of the clock"
)


def parse_at(text: str, *, allow_future: bool = False) -> datetime:
    """Read `--at`; a time without an offset is Beijing time.

    A time later than now is refused unless `allow_future`: on the live
    platform a step is recorded when it happened, and a sweep ahead of the
    clock would escalate events before their deadline.
    """
    try:
        at = parse_time(text, "--at")
    except ValueError as error:
        raise CommandError(str(error)) from None
    now = timezone.now()
    if not allow_future and at > now + CLOCK_SKEW:
        raise CommandError(
            f"--at: {at.astimezone(BEIJING).isoformat()} is later than now "
            f"({now.astimezone(BEIJING).isoformat(timespec='seconds')}); "
            "--allow-future accepts it on a training copy"
        )
    return at


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
        parser.add_argument(
            "--allow-future", action="store_true", help=ALLOW_FUTURE_HELP
        )

    def handle(self, *args: object, **options: object) -> None:
        at_text = options.get("at")
        at = (
            parse_at(str(at_text), allow_future=bool(options["allow_future"]))
            if at_text
            else timezone.now()
        )
        report = sweep(at=at)
        self.stdout.write(
            json.dumps(report.as_dict(), ensure_ascii=False, indent=2, sort_keys=True)
        )
