"""The operation log (IM-8): one row per action, never edited."""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models
from django.utils.timezone import localtime


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or remove a logged action."""


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("the operation log is append-only: no update (IM-8)")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("the operation log is append-only: no delete (IM-8)")


class AuditEntry(models.Model):
    at = models.DateTimeField(db_index=True)
    actor = models.CharField(max_length=150)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{localtime(self.at):%Y-%m-%d %H:%M} {self.actor} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(
                f"audit entry {self.pk} is append-only: it cannot be saved again"
            )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"audit entry {self.pk} is append-only: no delete")
