"""Each test starts and ends with no cached calendar table.

A test's rows vanish when its transaction is rolled back, which sends no
signal; dropping the cache around every test keeps one test's table out of
the next.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from offsite.calendar.queries import invalidate_calendar_overrides


@pytest.fixture(autouse=True)
def fresh_calendar_cache() -> Iterator[None]:
    invalidate_calendar_overrides()
    yield
    invalidate_calendar_overrides()
