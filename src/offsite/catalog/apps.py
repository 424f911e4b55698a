from __future__ import annotations

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "offsite.catalog"
    label = "catalog"
    verbose_name = "The supervision item list: scenarios, rules, thresholds, periods"

    def ready(self) -> None:
        """Connect the receivers that keep the cached rules fresh."""
        from offsite.catalog import signals  # noqa: F401
