"""Read the authority's calendar table, cached per process.

The table is small (a few dozen rows a year) and changes once or twice a
year, so every deadline computed in a process shares one loaded copy. Saving
or deleting a `CalendarDay` or `CalendarYear` drops the copy at once in the
process that made the change (see `signals.py`); other processes (the
sweeper, a second web worker) reload after `OVERRIDES_TTL_SECONDS`.
Known limit: `QuerySet.update()` and raw SQL send no signals, so such an
edit is seen only after the TTL, even in the process that made it.
"""

from __future__ import annotations

import logging
import threading
import time
from types import MappingProxyType

from offsite.calendar.models import CalendarDay, CalendarYear
from offsite.calendar.workdays import CalendarOverrides, DayOverride

logger = logging.getLogger(__name__)

OVERRIDES_TTL_SECONDS = 300

_lock = threading.Lock()
_generation = 0
_cached: tuple[float, CalendarOverrides] | None = None


def load_calendar_overrides() -> CalendarOverrides:
    """Read every `CalendarDay` row and the complete years, uncached."""
    days = {
        row.date: DayOverride(
            is_working_day=row.is_working_day, name=row.name, source=row.source
        )
        for row in CalendarDay.objects.all()
    }
    complete_years = frozenset(
        CalendarYear.objects.filter(complete=True).values_list("year", flat=True)
    )
    return CalendarOverrides(days=MappingProxyType(days), complete_years=complete_years)


def calendar_overrides() -> CalendarOverrides:
    """Return the calendar table, loading it if the cached copy is stale."""
    global _cached

    now = time.monotonic()
    with _lock:
        cached, generation = _cached, _generation
    if cached is not None and now - cached[0] < OVERRIDES_TTL_SECONDS:
        return cached[1]

    overrides = load_calendar_overrides()
    with _lock:
        # An edit that landed while we were reading bumped the generation:
        # keep what we read for this call but do not cache a copy that may
        # predate the edit.
        if generation == _generation:
            _cached = (now, overrides)
    logger.debug(
        "calendar overrides loaded days=%d complete_years=%s",
        len(overrides.days),
        sorted(overrides.complete_years),
    )
    return overrides


def invalidate_calendar_overrides() -> None:
    """Drop the cached table so the next read sees the database."""
    global _cached, _generation

    with _lock:
        _cached = None
        _generation += 1
