from __future__ import annotations

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "offsite.catalog"
    label = "catalog"
    verbose_name = "The supervision item list: scenarios, rules, thresholds, periods"
