from __future__ import annotations

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "offsite.web"
    label = "web"
    verbose_name = "Console and portal"
