from __future__ import annotations

from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "offsite.intake"
    label = "intake"
    verbose_name = "Raw records and their normalisation into observations"
