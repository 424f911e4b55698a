"""Read-only admin views of consent, notices and the outbox; channels editable."""

from __future__ import annotations

from django.contrib import admin

from offsite.delivery.models import Channel, Consent, Notice, OutboxMessage, Receipt


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by the delivery services: shown, never edited here."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    list_display = ["unit", "consented", "answered_at", "person", "text_version"]
    list_filter = ["consented"]


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["unit", "kind", "address", "source", "active"]
    list_filter = ["kind", "source", "active"]
    fields = ["unit", "kind", "address", "source", "active", "created_at"]

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        # An address that served notices stays as it was; retire it instead.
        if obj is not None:
            return ["unit", "kind", "address", "source", "created_at"]
        return []

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class OutboxInline(admin.TabularInline):
    model = OutboxMessage
    fields = ["kind", "status", "attempts", "sent_at", "last_error"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ["pk", "unit", "kind", "title", "created_at", "electronic"]
    list_filter = ["kind", "electronic"]
    inlines = [OutboxInline]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["pk", "notice", "kind", "status", "attempts", "next_attempt_at"]
    list_filter = ["status", "kind"]


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    list_display = ["pk", "message", "source", "received_at"]
