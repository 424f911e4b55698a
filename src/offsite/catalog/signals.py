"""Drop the cached rules whenever a catalog row changes."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from offsite.catalog.models import CatalogVersion, Rule, Scenario, Threshold
from offsite.catalog.queries import mark_changed, mark_committed


@receiver(post_save, sender=CatalogVersion, dispatch_uid="catalog_version_saved")
@receiver(post_delete, sender=CatalogVersion, dispatch_uid="catalog_version_deleted")
@receiver(post_save, sender=Scenario, dispatch_uid="catalog_scenario_saved")
@receiver(post_delete, sender=Scenario, dispatch_uid="catalog_scenario_deleted")
@receiver(post_save, sender=Rule, dispatch_uid="catalog_rule_saved")
@receiver(post_delete, sender=Rule, dispatch_uid="catalog_rule_deleted")
@receiver(post_save, sender=Threshold, dispatch_uid="catalog_threshold_saved")
@receiver(post_delete, sender=Threshold, dispatch_uid="catalog_threshold_deleted")
def catalog_changed(sender: type, using: str = "default", **kwargs: Any) -> None:
    """Invalidate now, read around the cache until commit, invalidate again."""
    # A read between this save and the commit must not cache rows that a
    # rollback may still undo, so this thread bypasses the cache until then.
    mark_changed()
    transaction.on_commit(mark_committed, using=using)
