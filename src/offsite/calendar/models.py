"""Per-year overrides of the official holiday data, editable in admin."""

from __future__ import annotations

from django.db import models


class CalendarYear(models.Model):
    """A year whose State Council notice has been entered by hand.

    Each November the State Council publishes the next year's holidays and
    make-up working days; until the packaged data catches up, the authority
    enters them here and marks the year complete.
    """

    year = models.PositiveSmallIntegerField(unique=True)
    source = models.CharField(max_length=300)
    complete = models.BooleanField(
        default=False,
        help_text="Every holiday and make-up working day of the year is entered.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """One day whose status overrides the packaged data."""

    date = models.DateField(unique=True)
    is_working_day = models.BooleanField()
    name = models.CharField(max_length=64, blank=True)
    source = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        kind = "working day" if self.is_working_day else "rest day"
        return f"{self.date} {kind}"
