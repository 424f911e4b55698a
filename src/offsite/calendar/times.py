"""Read the times and days people type: Beijing time unless they say otherwise.

Times outside 2000–2099 are refused: no record, deadline or holiday table
of the platform reaches them, and the arithmetic on them would overflow.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")
EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)


def parse_time(text: str, name: str) -> datetime:
    """Read an ISO 8601 time given as `name`; no offset means Beijing time."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"{name}: {text!r} is not an ISO 8601 time (e.g. 2026-02-25T23:59:59 "
            "or 2026-02-25T15:59:59+00:00)"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=BEIJING)
    # The date as written first (converting a time at the calendar's edge
    # would overflow), then the Beijing date it is: 2000-01-01T00:00+14:00
    # is still 1999 in Beijing.
    _check_range(value.date(), text, name)
    _check_range(value.astimezone(BEIJING).date(), text, name)
    return value


def parse_day(text: str | None, name: str) -> date | None:
    """Read a YYYY-MM-DD day given as `name`; None when it is empty."""
    if text is None or not text.strip():
        return None
    try:
        value = date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"{name}: {text!r} is not a date; expected YYYY-MM-DD, e.g. 2026-03-01"
        ) from None
    _check_range(value, text, name)
    return value


def _check_range(day: date, text: str, name: str) -> None:
    if not EARLIEST <= day <= LATEST:
        raise ValueError(
            f"{name}: {text!r} is outside {EARLIEST.year}–{LATEST.year}, the years "
            "the platform keeps records and calendars for"
        )
