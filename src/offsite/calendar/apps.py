from __future__ import annotations

from django.apps import AppConfig


class CalendarConfig(AppConfig):
    name = "offsite.calendar"
    label = "calendar"
    verbose_name = "Working days and legal deadlines"
