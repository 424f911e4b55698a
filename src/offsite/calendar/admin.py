"""Admin pages where the authority enters each year's State Council notice."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from offsite.calendar.models import CalendarDay, CalendarYear


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "complete", "source", "updated_at"]
    list_filter = ["complete"]
    search_fields = ["year", "source"]
    readonly_fields = ["updated_at"]


class YearFilter(admin.SimpleListFilter):
    title = "year"
    parameter_name = "year"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> list[tuple[str, str]]:
        """Offer the years that have at least one row, newest first."""
        years = CalendarDay.objects.dates("date", "year", order="DESC")
        return [(str(day.year), str(day.year)) for day in years]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[CalendarDay]
    ) -> QuerySet[CalendarDay]:
        """Keep the rows of the chosen year."""
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(date__year=int(value))
        return queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "is_working_day", "name", "source"]
    list_filter = [YearFilter, ("is_working_day", admin.BooleanFieldListFilter)]
    search_fields = ["name", "source"]
    date_hierarchy = "date"

    @admin.display(description="weekday")
    def weekday(self, obj: CalendarDay) -> str:
        """Show the weekday, since make-up working days are weekend days."""
        return obj.date.strftime("%a")
