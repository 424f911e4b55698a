"""Legal deadlines: the public API other parts call.

`due_after(start, value, unit)` turns "within 24 hours", "within 3 working
days" and "within 15 days" (LM-13, LM-14, IM-14) into an aware datetime, using
the rules of domain.md §5:

- hours: exact, from the start instant;
- working days: the start day is not counted; count working days from the
  next day; due at the end of the last one;
- days: calendar days from the next day; a last day that is a rest day rolls
  forward to the next working day; due at the end of that day.

Days are Beijing days: the start instant is first converted to Asia/Shanghai,
so a start at 2026-02-13T20:00Z starts on 14 February. "The end of the day"
is chosen as 23:59:59 Beijing time of the last day: the instant still lies on
the day the period names, and a step taken at or before it is in time.
"""

from __future__ import annotations

import logging
import time as monotonic_clock
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from offsite.calendar.queries import calendar_overrides
from offsite.calendar.workdays import (
    NO_OVERRIDES,
    CalendarOverrides,
    DayStatus,
    PeriodEnd,
    calendar_days_after,
    working_days_after,
)
from offsite.calendar.workdays import day_status as _day_status

logger = logging.getLogger(__name__)

BEIJING = ZoneInfo("Asia/Shanghai")
END_OF_DAY = time(23, 59, 59)

UNIT_HOURS = "hours"
UNIT_DAYS = "days"
UNIT_WORKING_DAYS = "working_days"
UNITS = (UNIT_HOURS, UNIT_DAYS, UNIT_WORKING_DAYS)

# No period in the rules this platform applies runs past a year (domain.md
# §5: 24 hours, 3 working days, 15, 60, 90 days, 6 months). Ten years is a
# plausibility bound that catches a wrong unit before a long count runs.
MAX_VALUE_BY_UNIT = {
    UNIT_HOURS: 10 * 366 * 24,
    UNIT_DAYS: 10 * 366,
    UNIT_WORKING_DAYS: 10 * 366,
}

# A year without holiday data is logged at most this often per process, so
# a sweeper computing many deadlines keeps reminding the operator without
# flooding the log.
PROVISIONAL_LOG_INTERVAL_SECONDS = 3600
_provisional_logged_at: dict[int, float] = {}


@dataclass(frozen=True)
class Due:
    """When a period ends, and whether holiday data had to be guessed."""

    at: datetime
    provisional: bool
    warnings: tuple[str, ...]

    @property
    def due_date(self) -> date:
        """Return the Beijing date on which the period ends."""
        return self.at.astimezone(BEIJING).date()


def provisional_warning(year: int) -> str:
    """Describe, for operators, what is missing for `year`."""
    return (
        f"no holiday data for {year}: counted weekends and the fixed-date "
        "statutory holidays only (1 January, 1-2 May, 1-3 October); enter the "
        f"State Council notice for {year} in the calendar table and mark the "
        "year complete"
    )


def end_of_day(day: date) -> datetime:
    """Return 23:59:59 Beijing time on `day`."""
    return datetime.combine(day, END_OF_DAY, tzinfo=BEIJING)


def _from_period_end(period_end: PeriodEnd) -> tuple[Due, tuple[int, ...]]:
    years = period_end.provisional_years
    due = Due(
        at=end_of_day(period_end.last_day),
        provisional=bool(years),
        warnings=tuple(provisional_warning(year) for year in years),
    )
    return due, years


def _check_arguments(start: datetime, value: int, unit: str) -> None:
    if not isinstance(start, datetime):
        raise ValueError(f"start: must be a datetime, got {type(start).__name__}")
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError(
            f"start: must be timezone-aware, got naive {start.isoformat()}"
        )
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"value: must be an integer, got {value!r}")
    if value < 0:
        raise ValueError(f"value: must be 0 or more, got {value}")
    if unit not in UNITS:
        raise ValueError(f"unit: must be one of {', '.join(UNITS)}, got {unit!r}")
    if value > MAX_VALUE_BY_UNIT[unit]:
        raise ValueError(
            f"value: at most {MAX_VALUE_BY_UNIT[unit]} {unit} (ten years), got {value}"
        )


def compute_due(
    start: datetime, value: int, unit: str, overrides: CalendarOverrides
) -> Due:
    """Compute a deadline against the given calendar table, without the DB."""
    return _compute(start, value, unit, overrides)[0]


def _compute(
    start: datetime, value: int, unit: str, overrides: CalendarOverrides
) -> tuple[Due, tuple[int, ...]]:
    _check_arguments(start, value, unit)

    if unit == UNIT_HOURS:
        # Add in UTC: adding a timedelta to a zoned datetime moves the wall
        # clock, which is not elapsed time where the zone ever changed its
        # offset (Asia/Shanghai kept summer time in 1986-1991).
        at = (start.astimezone(UTC) + timedelta(hours=value)).astimezone(BEIJING)
        return Due(at=at, provisional=False, warnings=()), ()

    start_day = start.astimezone(BEIJING).date()
    count = working_days_after if unit == UNIT_WORKING_DAYS else calendar_days_after
    try:
        return _from_period_end(count(start_day, value, overrides))
    except OverflowError as exc:
        raise ValueError(
            f"start: {value} {unit} from {start_day} run past the year 9999"
        ) from exc


def _log_provisional(
    years: tuple[int, ...], start: datetime, value: int, unit: str
) -> None:
    now = monotonic_clock.monotonic()
    for year in years:
        last = _provisional_logged_at.get(year)
        if last is not None and now - last < PROVISIONAL_LOG_INTERVAL_SECONDS:
            continue
        _provisional_logged_at[year] = now
        logger.warning(
            "calendar provisional year=%d start=%s value=%d unit=%s: %s",
            year,
            start.isoformat(),
            value,
            unit,
            provisional_warning(year),
        )


def due_after(start: datetime, value: int, unit: str) -> Due:
    """Return when a period of `value` `unit` starting at `start` ends.

    `unit` is a catalog `PeriodUnit` value: "hours", "days" or
    "working_days". `start` must be timezone-aware. For day units the result
    is 23:59:59 Beijing time of the last day; for hours it is the exact
    instant, expressed in Beijing time. A result that depends on a year with
    no holiday data is still returned, marked provisional, with a warning.
    """
    _check_arguments(start, value, unit)

    # Hours ignore the calendar: skip the table (and the database) entirely.
    overrides = NO_OVERRIDES if unit == UNIT_HOURS else calendar_overrides()
    due, provisional_years = _compute(start, value, unit, overrides)
    _log_provisional(provisional_years, start, value, unit)
    return due


def day_status(day: date) -> DayStatus:
    """Return whether `day` is a working day, why, and whether it is guessed."""
    if isinstance(day, datetime):
        raise TypeError("day: must be a date, not a datetime")
    return _day_status(day, calendar_overrides())


def is_working_day(day: date) -> bool:
    """Return True if `day` is a working day (make-up working days included)."""
    return day_status(day).is_working_day
