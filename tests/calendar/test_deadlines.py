"""The public deadline API: `due_after`, `day_status`, `is_working_day`.

Periods come from LM-13 (24 hours, 3 working days) and LM-14 (15 days,
3 working days); counting follows reference/domain.md §5.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from offsite.calendar import deadlines, queries
from offsite.calendar.deadlines import Due, day_status, due_after, is_working_day
from offsite.calendar.models import CalendarDay, CalendarYear
from offsite.calendar.workdays import DaySource
from offsite.catalog.models import PeriodUnit

BEIJING = ZoneInfo("Asia/Shanghai")

pytestmark = pytest.mark.django_db


def beijing(*args: int) -> datetime:
    return datetime(*args, tzinfo=BEIJING)


# Working days (LM-13, LM-14)


def test_three_working_days_from_friday_before_spring_festival_2026() -> None:
    due = due_after(beijing(2026, 2, 13, 16, 30), 3, "working_days")

    assert due == Due(
        at=beijing(2026, 2, 25, 23, 59, 59), provisional=False, warnings=()
    )


def test_due_is_the_end_of_the_beijing_day_in_utc() -> None:
    due = due_after(beijing(2026, 2, 13), 3, "working_days")

    assert due.at.astimezone(UTC) == datetime(2026, 2, 25, 15, 59, 59, tzinfo=UTC)
    assert due.due_date == date(2026, 2, 25)


def test_start_day_is_the_beijing_day_of_a_utc_start() -> None:
    # 2026-02-13T20:00Z is 04:00 on Saturday 14 February in Beijing, so the
    # first counted day is 24 February, not the make-up Saturday.
    due = due_after(datetime(2026, 2, 13, 20, 0, tzinfo=UTC), 1, "working_days")

    assert due.at == beijing(2026, 2, 24, 23, 59, 59)


def test_working_days_across_national_day_2025() -> None:
    due = due_after(beijing(2025, 9, 30, 9, 0), 3, "working_days")

    assert due.due_date == date(2025, 10, 11)


def test_catalog_period_unit_values_are_accepted() -> None:
    due = due_after(beijing(2026, 2, 13), 3, PeriodUnit.WORKING_DAYS)

    assert due.due_date == date(2026, 2, 25)


# Calendar days (LM-14 review window)


def test_fifteen_days_ending_on_national_day_2025_roll_to_9_october() -> None:
    due = due_after(beijing(2025, 9, 16, 10, 0), 15, "days")

    assert due.at == beijing(2025, 10, 9, 23, 59, 59)
    assert due.provisional is False


def test_fifteen_days_ending_on_a_working_day_end_there() -> None:
    due = due_after(beijing(2026, 3, 2, 10, 0), 15, "days")

    assert due.due_date == date(2026, 3, 17)


# Hours (IM-14 24-hour review, LM-13 24-hour assignment)


def test_twenty_four_hours_are_exact() -> None:
    due = due_after(beijing(2026, 2, 13, 16, 30), 24, "hours")

    assert due == Due(at=beijing(2026, 2, 14, 16, 30), provisional=False, warnings=())


def test_hours_run_across_midnight_into_a_year_without_data() -> None:
    due = due_after(beijing(2026, 12, 31, 22, 15), 3, "hours")

    assert due.at == beijing(2027, 1, 1, 1, 15)
    assert due.provisional is False
    assert due.warnings == ()


def test_hours_are_elapsed_time_across_a_clock_change() -> None:
    # Beijing moved its clocks forward on 1988-04-17 (summer time, 1986-1991).
    due = due_after(beijing(1988, 4, 16, 12, 0), 24, "hours")

    assert due.at.isoformat() == "1988-04-17T13:00:00+09:00"


def test_zero_hours_are_the_start_instant() -> None:
    start = datetime(2026, 2, 13, 8, 30, tzinfo=UTC)

    assert due_after(start, 0, "hours").at == beijing(2026, 2, 13, 16, 30)


# A year without holiday data


def test_working_days_into_2027_are_provisional_with_a_warning() -> None:
    due = due_after(beijing(2026, 12, 30, 10, 0), 3, "working_days")

    assert due.at == beijing(2027, 1, 5, 23, 59, 59)
    assert due.provisional is True
    assert len(due.warnings) == 1
    assert due.warnings[0].startswith("no holiday data for 2027: ")


def test_a_provisional_deadline_is_logged_as_a_warning(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deadlines, "PROVISIONAL_LOG_INTERVAL_SECONDS", 0)

    with caplog.at_level(logging.WARNING, logger="offsite.calendar.deadlines"):
        due_after(beijing(2026, 12, 30, 10, 0), 3, "working_days")

    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert "calendar provisional year=2027" in caplog.records[0].getMessage()


def test_a_year_without_data_is_logged_at_most_once_an_hour(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="offsite.calendar.deadlines"):
        due_after(beijing(2026, 12, 30, 10, 0), 3, "working_days")
        due_after(beijing(2026, 12, 31, 10, 0), 3, "working_days")

    assert len(caplog.records) <= 1


def test_1_january_2027_is_not_a_working_day() -> None:
    assert is_working_day(date(2027, 1, 1)) is False


# The authority's table


def test_rest_day_row_in_2027_moves_the_deadline() -> None:
    start = beijing(2027, 2, 5, 10, 0)
    assert due_after(start, 1, "working_days").due_date == date(2027, 2, 8)

    CalendarDay.objects.create(
        date=date(2027, 2, 8), is_working_day=False, name="春节", source="test"
    )

    due = due_after(start, 1, "working_days")
    assert due.due_date == date(2027, 2, 9)
    assert due.provisional is True


def test_complete_2027_removes_the_provisional_mark() -> None:
    CalendarYear.objects.create(year=2027, source="test notice", complete=True)
    CalendarDay.objects.create(
        date=date(2027, 1, 1), is_working_day=False, name="元旦", source="test"
    )

    due = due_after(beijing(2026, 12, 30, 10, 0), 3, "working_days")

    assert due == Due(
        at=beijing(2027, 1, 5, 23, 59, 59), provisional=False, warnings=()
    )


def test_make_up_working_day_row_counts_in_a_complete_year() -> None:
    CalendarYear.objects.create(year=2027, source="test notice", complete=True)
    CalendarDay.objects.create(date=date(2027, 1, 1), is_working_day=False)
    CalendarDay.objects.create(date=date(2027, 1, 2), is_working_day=True)

    due = due_after(beijing(2026, 12, 30, 10, 0), 3, "working_days")

    assert due.due_date == date(2027, 1, 4)


def test_complete_year_replaces_the_package_for_that_year() -> None:
    # With 2026 marked complete and no rows, the Spring Festival is gone:
    # 2/14 is an ordinary Saturday and 2/16-2/18 are ordinary weekdays.
    CalendarYear.objects.create(year=2026, source="test", complete=True)

    due = due_after(beijing(2026, 2, 13), 3, "working_days")

    assert due.due_date == date(2026, 2, 18)


def test_incomplete_year_row_changes_nothing() -> None:
    CalendarYear.objects.create(year=2027, source="draft", complete=False)

    due = due_after(beijing(2026, 12, 30, 10, 0), 3, "working_days")

    assert due.provisional is True


def test_deleting_a_row_takes_effect_at_once() -> None:
    row = CalendarDay.objects.create(date=date(2026, 3, 9), is_working_day=False)
    assert due_after(beijing(2026, 3, 6), 1, "working_days").due_date == date(
        2026, 3, 10
    )

    row.delete()

    assert due_after(beijing(2026, 3, 6), 1, "working_days").due_date == date(
        2026, 3, 9
    )


def test_marking_a_year_complete_takes_effect_at_once() -> None:
    year = CalendarYear.objects.create(year=2027, source="draft", complete=False)
    assert is_working_day(date(2027, 1, 1)) is False

    year.complete = True
    year.save()

    assert is_working_day(date(2027, 1, 1)) is True


def test_table_is_read_once_while_nothing_changes(
    django_assert_num_queries: object,
) -> None:
    due_after(beijing(2026, 2, 13), 3, "working_days")

    with django_assert_num_queries(0):  # type: ignore[operator]
        due_after(beijing(2026, 3, 2), 15, "days")


def test_an_edit_without_signals_is_seen_after_the_ttl(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    CalendarDay.objects.create(date=date(2026, 3, 9), is_working_day=True)
    assert is_working_day(date(2026, 3, 9)) is True

    CalendarDay.objects.filter(date=date(2026, 3, 9)).update(is_working_day=False)
    assert is_working_day(date(2026, 3, 9)) is True

    monkeypatch.setattr(queries, "OVERRIDES_TTL_SECONDS", 0)
    assert is_working_day(date(2026, 3, 9)) is False


# day_status


def test_day_status_names_the_make_up_working_day() -> None:
    status = day_status(date(2026, 2, 14))

    assert status.is_working_day is True
    assert status.reason == "make-up working day 春节 (chinese_calendar 1.11.0)"


def test_day_status_of_a_table_row_is_not_provisional_in_2027() -> None:
    CalendarDay.objects.create(
        date=date(2027, 2, 8), is_working_day=False, name="春节", source="test"
    )

    status = day_status(date(2027, 2, 8))

    assert status.source is DaySource.TABLE
    assert status.provisional is False


def test_day_status_rejects_a_datetime() -> None:
    with pytest.raises(TypeError, match="day: must be a date"):
        day_status(beijing(2026, 2, 14, 10, 0))


# Bad input


def test_naive_start_is_rejected_naming_start() -> None:
    with pytest.raises(ValueError, match="start: must be timezone-aware"):
        due_after(datetime(2026, 2, 13, 16, 30), 3, "working_days")


def test_negative_value_is_rejected_naming_value() -> None:
    with pytest.raises(ValueError, match="value: must be 0 or more, got -1"):
        due_after(beijing(2026, 2, 13), -1, "days")


def test_unknown_unit_is_rejected_naming_unit() -> None:
    with pytest.raises(ValueError, match="unit: must be one of hours, days"):
        due_after(beijing(2026, 2, 13), 3, "weeks")


def test_implausibly_long_period_is_rejected_naming_value() -> None:
    with pytest.raises(ValueError, match="value: at most 3660 working_days"):
        due_after(beijing(2026, 2, 13), 3661, "working_days")
