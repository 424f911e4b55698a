"""The calendar table is editable in the admin, and edits count at once."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from offsite.calendar.deadlines import is_working_day
from offsite.calendar.models import CalendarDay, CalendarYear

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.calendar.admin_urls")]


@pytest.fixture
def staff(admin_client: Client) -> Client:
    CalendarYear.objects.create(year=2027, source="test notice", complete=False)
    CalendarDay.objects.create(
        date=date(2026, 10, 10), is_working_day=True, name="国庆节", source="notice"
    )
    CalendarDay.objects.create(
        date=date(2027, 2, 8), is_working_day=False, name="春节", source="notice"
    )
    return admin_client


def test_day_list_filters_by_year(staff: Client) -> None:
    response = staff.get("/admin/calendar/calendarday/", {"year": "2027"})

    assert response.status_code == 200
    assert [row.date for row in response.context["cl"].result_list] == [
        date(2027, 2, 8)
    ]


def test_day_list_filters_by_kind(staff: Client) -> None:
    response = staff.get("/admin/calendar/calendarday/", {"is_working_day__exact": "1"})

    assert [row.date for row in response.context["cl"].result_list] == [
        date(2026, 10, 10)
    ]


def test_day_list_searches_names(staff: Client) -> None:
    response = staff.get("/admin/calendar/calendarday/", {"q": "春节"})

    assert [row.date for row in response.context["cl"].result_list] == [
        date(2027, 2, 8)
    ]


def test_year_list_filters_by_complete(staff: Client) -> None:
    response = staff.get("/admin/calendar/calendaryear/", {"complete__exact": "0"})

    assert [row.year for row in response.context["cl"].result_list] == [2027]


def test_day_added_in_admin_takes_effect_at_once(staff: Client) -> None:
    assert is_working_day(date(2027, 2, 9)) is True

    response = staff.post(
        "/admin/calendar/calendarday/add/",
        {
            "date": "2027-02-09",
            "is_working_day": "",
            "name": "春节",
            "source": "国务院办公厅通知",
        },
    )

    assert response.status_code == 302
    assert is_working_day(date(2027, 2, 9)) is False


def test_year_marked_complete_in_admin_takes_effect_at_once(staff: Client) -> None:
    year = CalendarYear.objects.get(year=2027)
    assert is_working_day(date(2027, 1, 1)) is False

    response = staff.post(
        f"/admin/calendar/calendaryear/{year.pk}/change/",
        {"year": "2027", "source": "test notice", "complete": "on"},
    )

    assert response.status_code == 302
    assert is_working_day(date(2027, 1, 1)) is True
