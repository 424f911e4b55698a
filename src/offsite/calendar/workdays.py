"""Decide which days are working days and count periods over them.

Pure: nothing here reads the database. The authority's edits arrive as a
`CalendarOverrides` value (see `queries.calendar_overrides`), so the counting
can be tested and reasoned about on its own.

Where a day's status comes from, first match wins:

1. a `CalendarDay` row for that date (the authority's table);
2. a year marked complete in `CalendarYear`: the table holds every holiday
   and make-up working day, so any other day is a working day on Monday to
   Friday and a rest day at the weekend;
3. the `chinese_calendar` package (official notices for 2004–2026 in 1.11.0);
4. the fallback for a year with no data: weekends plus the fixed-date
   statutory holidays, marked provisional.

Make-up working days (调休上班日) on a Saturday or Sunday are working days,
as in the State Council notices (domain.md §5).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar

PACKAGE_LABEL = f"chinese_calendar {chinese_calendar.__version__}"

# 全国年节及纪念日放假办法 (State Council, revised 2024-11-10, in force
# 2025-01-01), Art. 2: the statutory holidays that fall on a fixed Gregorian
# date. The lunar ones (春节, 清明, 端午, 中秋) move every year and are only
# known from the yearly notice.
FIXED_DATE_HOLIDAYS: Mapping[tuple[int, int], str] = {
    (1, 1): "元旦",
    (5, 1): "劳动节",
    (5, 2): "劳动节",
    (10, 1): "国庆节",
    (10, 2): "国庆节",
    (10, 3): "国庆节",
}
FIXED_DATE_HOLIDAYS_SOURCE = "全国年节及纪念日放假办法 (2024-11-10 revision) Art. 2"

# A roll-forward that finds no working day in this many days means the table
# is wrong (every weekday marked as rest); stop instead of looping for ever.
MAX_CONSECUTIVE_REST_DAYS = 400


class DayKind(enum.StrEnum):
    WORKING_DAY = "working_day"
    MAKEUP_WORKING_DAY = "makeup_working_day"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"


class DaySource(enum.StrEnum):
    TABLE = "table"
    TABLE_YEAR = "table_year"
    PACKAGE = "package"
    FALLBACK = "fallback"


@dataclass(frozen=True)
class DayOverride:
    """One `CalendarDay` row, detached from the ORM."""

    is_working_day: bool
    name: str = ""
    source: str = ""


@dataclass(frozen=True)
class CalendarOverrides:
    """The authority's table: single days, and the years it holds in full."""

    days: Mapping[date, DayOverride] = field(default_factory=dict)
    complete_years: frozenset[int] = frozenset()


NO_OVERRIDES = CalendarOverrides()


@dataclass(frozen=True)
class DayStatus:
    """Whether one day is a working day, why, and how sure that is."""

    day: date
    is_working_day: bool
    kind: DayKind
    name: str
    source: DaySource
    source_detail: str
    provisional: bool

    @property
    def reason(self) -> str:
        """Describe the status in one line for operators."""
        what = {
            DayKind.WORKING_DAY: "weekday",
            DayKind.MAKEUP_WORKING_DAY: "make-up working day",
            DayKind.WEEKEND: "weekend",
            DayKind.HOLIDAY: "holiday",
        }[self.kind]
        if self.name:
            what = f"{what} {self.name}"
        return f"{what} ({self.source_detail})"


@dataclass(frozen=True)
class PeriodEnd:
    """The last day of a period, and the years whose data was guessed."""

    last_day: date
    provisional_years: tuple[int, ...]


def _is_weekend(day: date) -> bool:
    return day.weekday() >= 5


def _from_override(day: date, override: DayOverride) -> DayStatus:
    if override.is_working_day:
        kind = DayKind.MAKEUP_WORKING_DAY if _is_weekend(day) else DayKind.WORKING_DAY
    elif override.name or not _is_weekend(day):
        kind = DayKind.HOLIDAY
    else:
        kind = DayKind.WEEKEND
    detail = "calendar table"
    if override.source:
        detail = f"calendar table, {override.source}"
    return DayStatus(
        day=day,
        is_working_day=override.is_working_day,
        kind=kind,
        name=override.name,
        source=DaySource.TABLE,
        source_detail=detail,
        provisional=False,
    )


def _from_complete_year(day: date) -> DayStatus:
    weekend = _is_weekend(day)
    return DayStatus(
        day=day,
        is_working_day=not weekend,
        kind=DayKind.WEEKEND if weekend else DayKind.WORKING_DAY,
        name="",
        source=DaySource.TABLE_YEAR,
        source_detail=f"calendar table, year {day.year} complete",
        provisional=False,
    )


def _chinese_name(english: str | None) -> str:
    if not english:
        return ""
    try:
        return chinese_calendar.Holiday(english).chinese
    except ValueError:
        return english


def _from_package(day: date) -> DayStatus:
    """Read the package; raise NotImplementedError for a year it lacks."""
    is_rest, english = chinese_calendar.get_holiday_detail(day)
    name = _chinese_name(english)
    weekend = _is_weekend(day)
    if not is_rest:
        kind = DayKind.MAKEUP_WORKING_DAY if weekend else DayKind.WORKING_DAY
    elif name:
        kind = DayKind.HOLIDAY
    else:
        kind = DayKind.WEEKEND
    return DayStatus(
        day=day,
        is_working_day=not is_rest,
        kind=kind,
        name=name,
        source=DaySource.PACKAGE,
        source_detail=PACKAGE_LABEL,
        provisional=False,
    )


def _from_fallback(day: date) -> DayStatus:
    # Known limit: without the year's notice the lunar holidays, the days
    # given back for a holiday on a weekend (放假办法 Art. 6) and the 调休
    # swaps are unknown, so those days count as ordinary days.
    name = FIXED_DATE_HOLIDAYS.get((day.month, day.day), "")
    weekend = _is_weekend(day)
    if name:
        kind = DayKind.HOLIDAY
    elif weekend:
        kind = DayKind.WEEKEND
    else:
        kind = DayKind.WORKING_DAY
    return DayStatus(
        day=day,
        is_working_day=kind is DayKind.WORKING_DAY,
        kind=kind,
        name=name,
        source=DaySource.FALLBACK,
        source_detail=(
            f"provisional: no holiday data for {day.year}; weekends and "
            f"fixed-date holidays of {FIXED_DATE_HOLIDAYS_SOURCE} only"
        ),
        provisional=True,
    )


def day_status(day: date, overrides: CalendarOverrides = NO_OVERRIDES) -> DayStatus:
    """Return the status of `day` from the table, the package or the fallback."""
    override = overrides.days.get(day)
    if override is not None:
        return _from_override(day, override)
    if day.year in overrides.complete_years:
        return _from_complete_year(day)
    try:
        return _from_package(day)
    except NotImplementedError:
        return _from_fallback(day)


def _provisional_years(statuses: list[DayStatus]) -> tuple[int, ...]:
    return tuple(sorted({s.day.year for s in statuses if s.provisional}))


def _roll_forward(
    day: date, overrides: CalendarOverrides, consulted: list[DayStatus]
) -> date:
    """Return `day` if it is a working day, else the next working day."""
    for _ in range(MAX_CONSECUTIVE_REST_DAYS):
        status = day_status(day, overrides)
        consulted.append(status)
        if status.is_working_day:
            return day
        day += timedelta(days=1)
    raise ValueError(
        f"calendar: no working day in the {MAX_CONSECUTIVE_REST_DAYS} days up to "
        f"{day}; check the CalendarDay rows of that period"
    )


def working_days_after(
    start_day: date, count: int, overrides: CalendarOverrides = NO_OVERRIDES
) -> PeriodEnd:
    """Return the day on which `count` working days after `start_day` end.

    The start day is not counted; counting begins the next day (民事诉讼法
    Art. 85, applied by 行政复议法 Art. 88). A count of 0 ends on the start
    day itself.
    """
    if count < 0:
        raise ValueError(f"count: must be 0 or more, got {count}")

    consulted: list[DayStatus] = []
    day = start_day
    for _ in range(count):
        day = _roll_forward(day + timedelta(days=1), overrides, consulted)
    return PeriodEnd(last_day=day, provisional_years=_provisional_years(consulted))


def calendar_days_after(
    start_day: date, count: int, overrides: CalendarOverrides = NO_OVERRIDES
) -> PeriodEnd:
    """Return the day on which `count` calendar days after `start_day` end.

    The start day is not counted; if the last day is a rest day the period
    ends on the next working day (民事诉讼法 Art. 85). Only the last day and
    the days it rolls over are consulted, so only they can make the result
    provisional.
    """
    if count < 0:
        raise ValueError(f"count: must be 0 or more, got {count}")

    consulted: list[DayStatus] = []
    day = _roll_forward(start_day + timedelta(days=count), overrides, consulted)
    return PeriodEnd(last_day=day, provisional_years=_provisional_years(consulted))
