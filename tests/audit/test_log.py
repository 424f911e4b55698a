"""The operation log (IM-8): entries are appended, read back, never edited."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib import admin

from offsite.audit.models import AppendOnlyError, AuditEntry
from offsite.audit.queries import entries_for
from offsite.audit.services import record

pytestmark = pytest.mark.django_db

AT = datetime(2026, 3, 2, 1, 15, tzinfo=UTC)


def test_record_stores_every_field():
    entry = record(
        actor="zhang.wei",
        action="event.transition",
        object_type="event",
        object_id=42,
        at=AT,
        detail={"from": "awaiting_review", "to": "confirmed"},
    )

    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.actor == "zhang.wei"
    assert stored.action == "event.transition"
    assert stored.object_type == "event"
    assert stored.object_id == "42"
    assert stored.at == datetime(2026, 3, 2, 1, 15, tzinfo=UTC)
    assert stored.detail == {"from": "awaiting_review", "to": "confirmed"}


def test_record_without_detail_stores_an_empty_object():
    entry = record(
        actor="system", action="x", object_type="event", object_id="1", at=AT
    )

    assert AuditEntry.objects.get(pk=entry.pk).detail == {}


def test_record_refuses_a_naive_time():
    with pytest.raises(ValueError, match="at: must be timezone-aware"):
        record(
            actor="system",
            action="x",
            object_type="event",
            object_id=1,
            at=datetime(2026, 3, 2, 9, 15),
        )


def test_record_refuses_an_empty_actor():
    with pytest.raises(ValueError, match="actor"):
        record(actor="", action="x", object_type="event", object_id=1, at=AT)


def test_entries_for_returns_only_that_object_in_time_order():
    later = record(
        actor="system",
        action="second",
        object_type="event",
        object_id=7,
        at=datetime(2026, 3, 2, 2, 0, tzinfo=UTC),
    )
    earlier = record(
        actor="system", action="first", object_type="event", object_id=7, at=AT
    )
    record(actor="system", action="other", object_type="event", object_id=8, at=AT)
    record(actor="system", action="other", object_type="prompt", object_id=7, at=AT)

    assert list(entries_for("event", 7)) == [earlier, later]
    assert list(entries_for("event", "7")) == [earlier, later]


def test_an_entry_cannot_be_saved_again():
    entry = record(actor="system", action="x", object_type="event", object_id=1, at=AT)
    entry.action = "y"

    with pytest.raises(AppendOnlyError):
        entry.save()
    assert AuditEntry.objects.get(pk=entry.pk).action == "x"


def test_an_entry_cannot_be_deleted():
    entry = record(actor="system", action="x", object_type="event", object_id=1, at=AT)

    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="y")
    assert AuditEntry.objects.count() == 1


def test_admin_may_only_read_the_log(rf, admin_user):
    model_admin = admin.site._registry[AuditEntry]
    request = rf.get("/admin/audit/auditentry/")
    request.user = admin_user

    assert model_admin.has_view_permission(request) is True
    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_change_permission(request) is False
    assert model_admin.has_delete_permission(request) is False
