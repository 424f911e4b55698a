"""`offsite calendar due|day`: legal deadlines and working days for operators."""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from offsite.calendar.deadlines import (
    BEIJING,
    UNIT_DAYS,
    UNIT_HOURS,
    UNIT_WORKING_DAYS,
    Due,
    day_status,
    due_after,
)

UNITS_BY_OPTION = {
    "working_days": UNIT_WORKING_DAYS,
    "days": UNIT_DAYS,
    "hours": UNIT_HOURS,
}

DUE_HELP = """\
Print when a period starting at --from ends (domain.md section 5).

--working-days N: the start day is not counted; N working days are counted
from the next day (make-up working days count, holidays do not).
--days N: N calendar days from the next day; a last day that is a rest day
moves to the next working day.
--hours N: exactly N hours after the start instant.

Output: for day periods the due date, YYYY-MM-DD (the period ends at
23:59:59 Beijing time of that day); for hours the due instant in Beijing
time, YYYY-MM-DD HH:MM +08:00 (with :SS when the seconds are not zero).
A result that relies on a year without holiday data ends with
"(provisional: no holiday data for YYYY)" and a warning goes to stderr.
--json prints {"due_at", "due_date", "provisional", "warnings"} instead.
"""

DAY_HELP = """\
Print whether DATE is a working day and why: the calendar table, the
chinese_calendar package, or the provisional fallback (weekends and the
fixed-date statutory holidays) for a year without data.
"""


# Years a period may start in: GB/T 26875.3 and the holiday data begin in the
# 2000s, and ten years of counting must still fit the calendar.
FIRST_YEAR = 2000
LAST_YEAR = 9000


def parse_start(text: str) -> datetime:
    """Parse --from: an ISO date or date-time; naive values are Beijing time."""
    text = text.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(0), tzinfo=BEIJING)
        start = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO date or date-time "
            "(e.g. 2026-02-13, 2026-02-13T16:30, 2026-02-13T16:30+08:00)"
        ) from None
    if not FIRST_YEAR <= start.year <= LAST_YEAR:
        raise argparse.ArgumentTypeError(
            f"{text!r} is outside the years {FIRST_YEAR}-{LAST_YEAR} a legal "
            "period can start in"
        )
    if start.tzinfo is None:
        return start.replace(tzinfo=BEIJING)
    return start


def parse_day(text: str) -> date:
    """Parse an ISO date (YYYY-MM-DD)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO date (YYYY-MM-DD, e.g. 2026-02-14)"
        ) from None


def parse_count(text: str) -> int:
    """Parse a period length: a whole number, 0 or more."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(
            f"must be a whole number, 0 or more; got {text!r}"
        )
    return value


def format_instant(at: datetime) -> str:
    """Format an instant as Beijing time: 2026-02-14 16:30 +08:00."""
    local = at.astimezone(BEIJING)
    clock = "%H:%M:%S" if local.second else "%H:%M"
    return f"{local.strftime('%Y-%m-%d ' + clock)} {local.isoformat()[-6:]}"


def warning_headline(warning: str) -> str:
    """Return the part of a deadline warning before its first colon."""
    return warning.split(":", 1)[0]


class Command(BaseCommand):
    help = "Legal deadlines and working days: `calendar due` and `calendar day`."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(
            dest="action", required=True, metavar="{due,day}"
        )

        due = actions.add_parser(
            "due",
            help="print when a period ends",
            description=DUE_HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        due.add_argument(
            "--from",
            dest="start",
            required=True,
            type=parse_start,
            metavar="DATE_OR_TIME",
            help="start, ISO: 2026-02-13 (start of that day), 2026-02-13T16:30 "
            "(Beijing time) or 2026-02-13T08:30+00:00",
        )
        period = due.add_mutually_exclusive_group(required=True)
        period.add_argument("--working-days", type=parse_count, metavar="N")
        period.add_argument("--days", type=parse_count, metavar="N")
        period.add_argument("--hours", type=parse_count, metavar="N")
        due.add_argument("--json", action="store_true", help="print JSON")

        day = actions.add_parser(
            "day",
            help="print whether a day is a working day and why",
            description=DAY_HELP,
        )
        day.add_argument("day", type=parse_day, metavar="DATE")
        day.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "due":
                self.handle_due(options)
            else:
                self.handle_day(options)
        except DatabaseError as exc:
            raise CommandError(
                f"calendar table unreadable ({exc}); run `offsite migrate` first"
            ) from exc

    def handle_due(self, options: dict[str, Any]) -> None:
        """Compute and print one deadline."""
        for option in ("working_days", "days", "hours"):
            if options.get(option) is not None:
                unit, value = UNITS_BY_OPTION[option], int(options[option])
                break
        else:
            raise CommandError("one of --working-days, --days or --hours is required")

        try:
            due = due_after(options["start"], value, unit)
        except ValueError as exc:
            field, _, rule = str(exc).partition(": ")
            flag = {"start": "--from", "value": "--" + option.replace("_", "-")}
            if field in flag:
                raise CommandError(f"{flag[field]}: {rule}") from exc
            raise CommandError(str(exc)) from exc

        for warning in due.warnings:
            self.stderr.write(f"warning: {warning}")
        if options["json"]:
            self.stdout.write(json.dumps(self.due_as_dict(due), ensure_ascii=False))
            return
        self.stdout.write(self.due_line(due, unit))

    @staticmethod
    def due_as_dict(due: Due) -> dict[str, Any]:
        """Describe a deadline as JSON-ready values."""
        return {
            "due_at": due.at.astimezone(BEIJING).isoformat(),
            "due_date": due.due_date.isoformat(),
            "provisional": due.provisional,
            "warnings": list(due.warnings),
        }

    @staticmethod
    def due_line(due: Due, unit: str) -> str:
        """Describe a deadline in one line of text."""
        if unit == UNIT_HOURS:
            line = format_instant(due.at)
        else:
            line = due.due_date.isoformat()
        if due.provisional:
            reasons = "; ".join(warning_headline(w) for w in due.warnings)
            line = f"{line} (provisional: {reasons})"
        return line

    def handle_day(self, options: dict[str, Any]) -> None:
        """Print the status of one day."""
        status = day_status(options["day"])
        if options["json"]:
            payload = {
                "date": status.day.isoformat(),
                "is_working_day": status.is_working_day,
                "kind": str(status.kind),
                "name": status.name,
                "source": str(status.source),
                "reason": status.reason,
                "provisional": status.provisional,
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return

        if status.provisional:
            self.stderr.write(
                f"warning: no holiday data for {status.day.year}; this status is "
                "a guess until the year's notice is entered in the calendar table"
            )
        kind = "working day" if status.is_working_day else "rest day"
        weekday = status.day.strftime("%a")
        self.stdout.write(
            f"{status.day.isoformat()} {weekday}: {kind}, {status.reason}"
        )
