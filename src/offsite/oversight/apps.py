from __future__ import annotations

from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "offsite.oversight"
    label = "oversight"
    verbose_name = "Oversight: timeliness figures and discipline situations"
