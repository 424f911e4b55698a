from __future__ import annotations

from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "offsite.supervision"
    label = "supervision"
    verbose_name = "Events, their lifecycle and the sweeper"
