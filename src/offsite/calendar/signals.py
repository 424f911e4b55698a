"""Drop the cached calendar table whenever a row of it changes."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from offsite.calendar.models import CalendarDay, CalendarYear
from offsite.calendar.queries import invalidate_calendar_overrides


@receiver(post_save, sender=CalendarDay, dispatch_uid="calendar_day_saved")
@receiver(post_delete, sender=CalendarDay, dispatch_uid="calendar_day_deleted")
@receiver(post_save, sender=CalendarYear, dispatch_uid="calendar_year_saved")
@receiver(post_delete, sender=CalendarYear, dispatch_uid="calendar_year_deleted")
def calendar_changed(sender: type, using: str = "default", **kwargs: Any) -> None:
    """Invalidate now, and again once the change is committed."""
    # Now, so the rest of the same transaction (an admin save, a test) sees
    # the edit; on commit, so a read made between the save and the commit
    # cannot leave a copy without it. A rolled-back edit is simply reloaded.
    invalidate_calendar_overrides()
    transaction.on_commit(invalidate_calendar_overrides, using=using)
