from __future__ import annotations

from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "offsite.monitoring"
    label = "monitoring"
    verbose_name = "Rule evaluation, check results and findings"
