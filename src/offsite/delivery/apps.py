from __future__ import annotations

from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "offsite.delivery"
    label = "delivery"
    verbose_name = "Electronic service: consent, channels, outbox, receipts"
