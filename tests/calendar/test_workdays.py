"""The pure core: day status and period counting, with no database.

Dates are checked against the State Council notices quoted in
reference/domain.md §5 (2025: 国办发明电〔2024〕12号; 2026: notice of
2025-11-04).
"""

from __future__ import annotations

from datetime import date, timedelta
from types import MappingProxyType

from hypothesis import given
from hypothesis import strategies as st

from offsite.calendar.workdays import (
    CalendarOverrides,
    DayKind,
    DayOverride,
    DaySource,
    calendar_days_after,
    day_status,
    working_days_after,
)

PACKAGED_DAYS = st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 11, 30))


def overrides(
    days: dict[date, DayOverride] | None = None, complete_years: set[int] = frozenset()
) -> CalendarOverrides:
    return CalendarOverrides(
        days=MappingProxyType(days or {}), complete_years=frozenset(complete_years)
    )


# Day status from the package


def test_make_up_saturday_before_spring_festival_2026_is_a_working_day() -> None:
    status = day_status(date(2026, 2, 14))

    assert status.is_working_day is True
    assert status.kind is DayKind.MAKEUP_WORKING_DAY
    assert status.name == "春节"
    assert status.source is DaySource.PACKAGE
    assert status.provisional is False


def test_spring_festival_2026_weekday_is_a_holiday() -> None:
    status = day_status(date(2026, 2, 16))

    assert status.is_working_day is False
    assert status.kind is DayKind.HOLIDAY
    assert status.name == "春节"


def test_ordinary_saturday_is_a_weekend_rest_day() -> None:
    status = day_status(date(2026, 3, 7))

    assert status.is_working_day is False
    assert status.kind is DayKind.WEEKEND
    assert status.name == ""


def test_ordinary_monday_is_a_working_day() -> None:
    status = day_status(date(2026, 3, 9))

    assert status.is_working_day is True
    assert status.kind is DayKind.WORKING_DAY
    assert status.reason == "weekday (chinese_calendar 1.11.0)"


def test_national_day_2025_make_up_sunday_and_saturday_are_working_days() -> None:
    assert day_status(date(2025, 9, 28)).is_working_day is True
    assert day_status(date(2025, 10, 11)).is_working_day is True


def test_national_day_2025_holiday_runs_from_1_to_8_october() -> None:
    rest = [day_status(date(2025, 10, d)).is_working_day for d in range(1, 9)]

    assert rest == [False] * 8
    assert day_status(date(2025, 10, 9)).is_working_day is True


# Day status without data (2027 is not in chinese_calendar 1.11.0)


def test_year_without_data_is_provisional_and_does_not_raise() -> None:
    status = day_status(date(2027, 3, 3))

    assert status.is_working_day is True
    assert status.source is DaySource.FALLBACK
    assert status.provisional is True


def test_fallback_rests_on_new_year_2027() -> None:
    status = day_status(date(2027, 1, 1))

    assert status.is_working_day is False
    assert status.kind is DayKind.HOLIDAY
    assert status.name == "元旦"


def test_fallback_rests_on_labour_day_1_and_2_may_2027() -> None:
    assert day_status(date(2027, 4, 30)).is_working_day is True
    assert day_status(date(2027, 5, 1)).name == "劳动节"
    assert day_status(date(2027, 5, 2)).name == "劳动节"
    assert day_status(date(2027, 5, 2)).is_working_day is False


def test_fallback_rests_on_national_day_1_to_3_october_2027() -> None:
    statuses = [day_status(date(2027, 10, d)) for d in (1, 2, 3, 4)]

    assert [s.is_working_day for s in statuses] == [False, False, False, True]
    assert [s.name for s in statuses] == ["国庆节", "国庆节", "国庆节", ""]


def test_fallback_cannot_know_the_lunar_spring_festival_2027() -> None:
    # Known limit: 8 February 2027 (Monday) is in the Spring Festival week,
    # but without the notice the fallback counts it as a working day.
    status = day_status(date(2027, 2, 8))

    assert status.is_working_day is True
    assert status.provisional is True


def test_year_before_the_package_range_falls_back_too() -> None:
    status = day_status(date(2003, 10, 1))

    assert status.is_working_day is False
    assert status.source is DaySource.FALLBACK


# Overrides


def test_table_row_overrides_the_package() -> None:
    table = overrides({date(2026, 3, 9): DayOverride(False, "test closure", "test")})

    status = day_status(date(2026, 3, 9), table)

    assert status.is_working_day is False
    assert status.kind is DayKind.HOLIDAY
    assert status.source is DaySource.TABLE
    assert status.reason == "holiday test closure (calendar table, test)"


def test_table_row_can_make_a_weekend_day_a_make_up_working_day() -> None:
    table = overrides({date(2026, 3, 7): DayOverride(True, "", "")})

    status = day_status(date(2026, 3, 7), table)

    assert status.is_working_day is True
    assert status.kind is DayKind.MAKEUP_WORKING_DAY


def test_table_row_in_a_year_without_data_is_not_provisional() -> None:
    table = overrides({date(2027, 2, 8): DayOverride(False, "春节", "test")})

    status = day_status(date(2027, 2, 8), table)

    assert status.is_working_day is False
    assert status.provisional is False


def test_complete_year_is_weekends_plus_table_and_ignores_the_package() -> None:
    table = overrides(complete_years={2026})

    monday_in_spring_festival = day_status(date(2026, 2, 16), table)
    make_up_saturday = day_status(date(2026, 2, 14), table)

    assert monday_in_spring_festival.is_working_day is True
    assert monday_in_spring_festival.source is DaySource.TABLE_YEAR
    assert make_up_saturday.is_working_day is False
    assert make_up_saturday.kind is DayKind.WEEKEND


def test_complete_year_without_package_data_is_not_provisional() -> None:
    table = overrides(complete_years={2027})

    status = day_status(date(2027, 1, 1), table)

    # The table holds no row for 1 January, so it is an ordinary Friday.
    assert status.is_working_day is True
    assert status.provisional is False


# Working days


def test_three_working_days_from_friday_before_spring_festival_2026() -> None:
    # 2/14 (make-up Saturday), then 2/15-2/23 off, then 2/24 and 2/25.
    end = working_days_after(date(2026, 2, 13), 3)

    assert end.last_day == date(2026, 2, 25)
    assert end.provisional_years == ()


def test_start_day_is_not_counted() -> None:
    assert working_days_after(date(2026, 3, 9), 1).last_day == date(2026, 3, 10)


def test_one_working_day_from_a_holiday_is_the_first_day_after_it() -> None:
    assert working_days_after(date(2026, 2, 16), 1).last_day == date(2026, 2, 24)


def test_working_days_across_national_day_2025_count_make_up_saturday() -> None:
    # 10/1-10/8 off; 10/9 Thu, 10/10 Fri, 10/11 Sat (make-up) are counted.
    assert working_days_after(date(2025, 9, 30), 3).last_day == date(2025, 10, 11)


def test_working_days_before_national_day_2025_count_make_up_sunday() -> None:
    # 9/27 Sat is rest, 9/28 Sun is a make-up working day.
    assert working_days_after(date(2025, 9, 26), 1).last_day == date(2025, 9, 28)


def test_new_year_2026_make_up_sunday_is_the_first_working_day() -> None:
    # 1/1-1/3 off, 1/4 (Sunday) working.
    assert working_days_after(date(2025, 12, 31), 1).last_day == date(2026, 1, 4)


def test_zero_working_days_end_on_the_start_day() -> None:
    assert working_days_after(date(2026, 2, 13), 0).last_day == date(2026, 2, 13)


def test_working_days_into_2027_are_provisional_and_skip_1_january() -> None:
    # 12/31 Thu (1); 1/1 holiday, 1/2-1/3 weekend; 1/4 Mon (2), 1/5 Tue (3).
    end = working_days_after(date(2026, 12, 30), 3)

    assert end.last_day == date(2027, 1, 5)
    assert end.provisional_years == (2027,)


def test_working_days_ending_in_2026_are_not_provisional() -> None:
    end = working_days_after(date(2026, 12, 28), 3)

    assert end.last_day == date(2026, 12, 31)
    assert end.provisional_years == ()


def test_table_rest_day_in_2027_moves_the_end_but_stays_provisional() -> None:
    table = overrides({date(2027, 2, 8): DayOverride(False, "春节", "test")})

    end = working_days_after(date(2027, 2, 5), 1, table)

    assert end.last_day == date(2027, 2, 9)
    assert end.provisional_years == (2027,)


def test_complete_2027_removes_the_provisional_mark() -> None:
    table = overrides(
        {date(2027, 1, 1): DayOverride(False, "元旦", "test")}, complete_years={2027}
    )

    end = working_days_after(date(2026, 12, 30), 3, table)

    assert end.last_day == date(2027, 1, 5)
    assert end.provisional_years == ()


# Calendar days


def test_fifteen_days_ending_on_national_day_2025_roll_to_9_october() -> None:
    # 2025-09-16 + 15 days = 10/1, a holiday; 10/1-10/8 off.
    assert calendar_days_after(date(2025, 9, 16), 15).last_day == date(2025, 10, 9)


def test_fifteen_days_ending_in_spring_festival_2026_roll_to_24_february() -> None:
    # 2026-02-01 + 15 days = 2/16, a holiday; 2/15-2/23 off.
    assert calendar_days_after(date(2026, 2, 1), 15).last_day == date(2026, 2, 24)


def test_fifteen_days_ending_on_an_ordinary_saturday_roll_to_monday() -> None:
    # 2026-02-20 + 15 days = Saturday 3/7.
    assert calendar_days_after(date(2026, 2, 20), 15).last_day == date(2026, 3, 9)


def test_fifteen_days_ending_on_a_make_up_saturday_end_there() -> None:
    # 2026-01-30 + 15 days = Saturday 2/14, a make-up working day.
    assert calendar_days_after(date(2026, 1, 30), 15).last_day == date(2026, 2, 14)


def test_holidays_inside_a_calendar_day_period_are_counted() -> None:
    # 2026-02-13 + 15 days = 2/28 (make-up Saturday), holidays included.
    assert calendar_days_after(date(2026, 2, 13), 15).last_day == date(2026, 2, 28)


def test_fifteen_days_ending_on_1_january_2027_roll_provisionally() -> None:
    # 2026-12-17 + 15 days = 2027-01-01 (fallback holiday), then a weekend.
    end = calendar_days_after(date(2026, 12, 17), 15)

    assert end.last_day == date(2027, 1, 4)
    assert end.provisional_years == (2027,)


def test_zero_days_from_a_holiday_roll_to_the_next_working_day() -> None:
    assert calendar_days_after(date(2026, 2, 16), 0).last_day == date(2026, 2, 24)


# Properties over the years the package covers


@given(start=PACKAGED_DAYS, count=st.integers(min_value=1, max_value=30))
def test_a_working_day_period_ends_on_a_working_day_after_the_start(
    start: date, count: int
) -> None:
    last_day = working_days_after(start, count).last_day

    assert last_day > start
    assert day_status(last_day).is_working_day is True


@given(start=PACKAGED_DAYS, count=st.integers(min_value=1, max_value=30))
def test_one_more_working_day_ends_strictly_later(start: date, count: int) -> None:
    shorter = working_days_after(start, count).last_day
    longer = working_days_after(start, count + 1).last_day

    assert longer > shorter
    assert all(
        not day_status(shorter + timedelta(days=d)).is_working_day
        for d in range(1, (longer - shorter).days)
    )


@given(start=PACKAGED_DAYS, count=st.integers(min_value=0, max_value=60))
def test_a_calendar_day_period_ends_on_the_first_working_day_from_its_last_day(
    start: date, count: int
) -> None:
    nominal = start + timedelta(days=count)
    last_day = calendar_days_after(start, count).last_day

    assert last_day >= nominal
    assert day_status(last_day).is_working_day is True
    assert all(
        not day_status(nominal + timedelta(days=d)).is_working_day
        for d in range((last_day - nominal).days)
    )
