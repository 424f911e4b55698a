from __future__ import annotations

from django.apps import AppConfig


class BenchConfig(AppConfig):
    name = "offsite.bench"
    label = "bench"
    verbose_name = "Benchmarks of the whole intake path"
