from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "offsite.audit"
    label = "audit"
    verbose_name = "The operation log"
