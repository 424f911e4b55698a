"""Working days and legal deadlines."""

from __future__ import annotations

from django.apps import AppConfig


class CalendarConfig(AppConfig):
    name = "offsite.calendar"
    label = "calendar"
    verbose_name = "Working days and legal deadlines"

    def ready(self) -> None:
        """Connect the receivers that keep the cached calendar table fresh."""
        from offsite.calendar import signals  # noqa: F401
