"""`offsite calendar due` and `offsite calendar day`."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("calendar", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# due: text


def test_due_prints_the_date_for_working_days() -> None:
    out, err = run("due", "--from", "2026-02-13", "--working-days", "3")

    assert out == "2026-02-25\n"
    assert err == ""


def test_due_prints_the_date_for_calendar_days() -> None:
    out, _ = run("due", "--from", "2025-09-16T10:00", "--days", "15")

    assert out == "2025-10-09\n"


def test_due_prints_beijing_time_for_hours() -> None:
    out, _ = run("due", "--from", "2026-02-13T16:30", "--hours", "24")

    assert out == "2026-02-14 16:30 +08:00\n"


def test_due_shows_seconds_only_when_not_zero() -> None:
    out, _ = run("due", "--from", "2026-02-13T16:30:15", "--hours", "1")

    assert out == "2026-02-13 17:30:15 +08:00\n"


def test_due_converts_a_start_with_an_offset_to_beijing_time() -> None:
    out, _ = run("due", "--from", "2026-02-13T20:00+00:00", "--hours", "2")

    assert out == "2026-02-14 06:00 +08:00\n"


def test_due_takes_the_beijing_day_of_a_start_with_an_offset() -> None:
    # 2026-02-13T20:00Z is Saturday 14 February in Beijing.
    out, _ = run("due", "--from", "2026-02-13T20:00Z", "--working-days", "1")

    assert out == "2026-02-24\n"


def test_due_marks_a_provisional_result_and_warns_on_stderr() -> None:
    out, err = run("due", "--from", "2026-12-30", "--working-days", "3")

    assert out == "2027-01-05 (provisional: no holiday data for 2027)\n"
    assert err.startswith("warning: no holiday data for 2027: ")


# due: JSON


def test_due_json_for_working_days() -> None:
    out, _ = run("due", "--from", "2026-02-13", "--working-days", "3", "--json")

    assert json.loads(out) == {
        "due_at": "2026-02-25T23:59:59+08:00",
        "due_date": "2026-02-25",
        "provisional": False,
        "warnings": [],
    }


def test_due_json_for_hours() -> None:
    out, _ = run("due", "--from", "2026-12-31T22:15", "--hours", "3", "--json")

    assert json.loads(out) == {
        "due_at": "2027-01-01T01:15:00+08:00",
        "due_date": "2027-01-01",
        "provisional": False,
        "warnings": [],
    }


def test_due_json_for_a_provisional_result() -> None:
    out, _ = run("due", "--from", "2026-12-30", "--working-days", "3", "--json")

    payload = json.loads(out)
    assert payload["due_at"] == "2027-01-05T23:59:59+08:00"
    assert payload["provisional"] is True
    assert len(payload["warnings"]) == 1
    assert payload["warnings"][0].startswith("no holiday data for 2027: ")


# due: errors


def test_due_without_a_period_option_is_refused() -> None:
    with pytest.raises(
        CommandError,
        match="one of the arguments --working-days --days --hours is required",
    ):
        run("due", "--from", "2026-02-13")


def test_due_with_two_period_options_is_refused() -> None:
    with pytest.raises(
        CommandError, match="argument --hours: not allowed with argument --days"
    ):
        run("due", "--from", "2026-02-13", "--days", "15", "--hours", "24")


def test_due_with_a_bad_date_names_from() -> None:
    with pytest.raises(
        CommandError,
        match="argument --from: '2026-02-30' is not an ISO date or date-time",
    ):
        run("due", "--from", "2026-02-30", "--days", "15")


def test_due_without_from_is_refused() -> None:
    with pytest.raises(CommandError, match="the following arguments are required"):
        run("due", "--days", "15")


def test_due_with_a_negative_count_names_the_option() -> None:
    with pytest.raises(
        CommandError, match="argument --days: must be a whole number, 0 or more"
    ):
        run("due", "--from", "2026-02-13", "--days", "-3")


def test_due_with_an_implausible_count_names_the_option() -> None:
    with pytest.raises(CommandError, match="--hours: at most 87840 hours"):
        run("due", "--from", "2026-02-13", "--hours", "100000")


# day


def test_day_explains_a_make_up_working_day() -> None:
    out, err = run("day", "2026-02-14")

    assert out == (
        "2026-02-14 Sat: working day, make-up working day 春节 "
        "(chinese_calendar 1.11.0)\n"
    )
    assert err == ""


def test_day_explains_a_holiday() -> None:
    out, _ = run("day", "2026-10-05")

    assert out == "2026-10-05 Mon: rest day, holiday 国庆节 (chinese_calendar 1.11.0)\n"


def test_day_in_a_year_without_data_warns() -> None:
    out, err = run("day", "2027-01-01")

    assert out.startswith("2027-01-01 Fri: rest day, holiday 元旦 (provisional: ")
    assert err.startswith("warning: no holiday data for 2027")


def test_day_json() -> None:
    out, _ = run("day", "2026-02-16", "--json")

    assert json.loads(out) == {
        "date": "2026-02-16",
        "is_working_day": False,
        "kind": "holiday",
        "name": "春节",
        "source": "package",
        "reason": "holiday 春节 (chinese_calendar 1.11.0)",
        "provisional": False,
    }


def test_day_with_a_bad_date_is_refused() -> None:
    with pytest.raises(CommandError, match="'2026-2-14' is not an ISO date"):
        run("day", "2026-2-14")


def test_a_start_outside_the_usable_years_is_refused():
    with pytest.raises(CommandError, match="outside the years 2000-9000"):
        call_command(
            "calendar", "due", "--from", "0001-01-01T00:00+08:00", "--hours", "1"
        )
