"""Times and days typed by people: Beijing time by default, 2000–2099 only."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from offsite.calendar.times import BEIJING, parse_day, parse_time


def test_a_time_without_an_offset_is_beijing_time():
    assert parse_time("2026-02-25T23:59:59", "--at") == datetime(
        2026, 2, 25, 23, 59, 59, tzinfo=BEIJING
    )


def test_a_time_with_an_offset_keeps_it():
    assert parse_time("2026-02-25T15:59:59+00:00", "--at") == datetime(
        2026, 2, 25, 15, 59, 59, tzinfo=UTC
    )


def test_a_time_that_is_not_one_is_refused_naming_the_field():
    with pytest.raises(ValueError, match=r"^--at: 'tomorrow' is not an ISO 8601 time"):
        parse_time("tomorrow", "--at")


@pytest.mark.parametrize(
    "text",
    [
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59+08:00",
        "1999-12-31T23:00",
        # Inside the years as written, outside them in Beijing.
        "2000-01-01T00:00:00+14:00",
        "2099-12-31T23:59:59-12:00",
    ],
)
def test_a_time_outside_the_platforms_years_is_refused(text):
    with pytest.raises(
        ValueError, match=rf"^--at: '{re.escape(text)}' is outside 2000"
    ):
        parse_time(text, "--at")


def test_a_day_that_is_not_a_date_is_refused_naming_the_field_and_format():
    with pytest.raises(ValueError, match=r"^from: '2026-02-30' is not a date; "):
        parse_day("2026-02-30", "from")


@pytest.mark.parametrize("text", ["0001-01-01", "9999-12-31", "2100-01-01"])
def test_a_day_outside_the_platforms_years_is_refused(text):
    with pytest.raises(ValueError, match=rf"^to: '{text}' is outside 2000–2099"):
        parse_day(text, "to")


def test_an_empty_day_is_none_and_a_good_one_is_read():
    assert parse_day("  ", "from") is None
    assert parse_day("2026-10-01", "from") == date(2026, 10, 1)
