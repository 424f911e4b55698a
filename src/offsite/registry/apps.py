from __future__ import annotations

from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "offsite.registry"
    label = "registry"
    verbose_name = "Authorities, units, sites, devices, providers and people"
