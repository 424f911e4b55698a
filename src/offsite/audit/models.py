"""The operation log (IM-8): one row per action, never edited, hash-chained."""

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
    # The chain (see chain.py): the entry's place, with no gap, the hash of
    # the entry before it, and its own hash, both hex SHA-256.
    sequence = models.PositiveBigIntegerField(unique=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

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


class ChainHead(models.Model):
    """The last link of the chain: one row, locked by every append.

    Appending reads this row with SELECT … FOR UPDATE inside the writer's
    transaction, so on PostgreSQL two transactions can never chain onto the
    same entry; the lock is released when that transaction commits or rolls
    back. On SQLite the write lock taken at BEGIN IMMEDIATE (settings.py)
    already serialises writers. `offsite audit verify` also checks that the
    log ends where this row says, which shows entries removed from its end.
    """

    ROW = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=ROW)
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = "audit chain head"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id=1),
                name="audit_chain_head_single_row",
                violation_error_message="id: the chain has one head, row 1",
            )
        ]

    def __str__(self) -> str:
        return f"audit chain at {self.sequence} {self.hash[:12]}"
