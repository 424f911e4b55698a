"""Raw records and observations in admin, read only (IM-7, IM-8)."""

from __future__ import annotations

import json

from django.contrib import admin
from django.utils.html import format_html

from offsite.admin_readonly import ReadOnlyAdmin, admin_link
from offsite.intake.models import Observation, RawRecord
from offsite.protocols import gb26875

HEX_SOURCES = (RawRecord.Source.GB26875_TCP, RawRecord.Source.REPLAY)


class ObservationInline(admin.TabularInline):
    model = Observation
    fields = [
        "name",
        "value_bool",
        "value_number",
        "value_text",
        "point",
        "observed_at",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RawRecord)
class RawRecordAdmin(ReadOnlyAdmin):
    list_display = ["id", "received_at", "source", "status", "device", "origin"]
    list_filter = ["status", "source"]
    search_fields = ["origin", "sha256", "device__source_address"]
    date_hierarchy = "received_at"
    list_select_related = ["device"]
    fields = [
        "source",
        "origin",
        "received_at",
        "status",
        "reject_reason",
        "device",
        "sha256",
        "processed_at",
        "payload_hex",
        "decoded",
    ]
    readonly_fields = fields
    inlines = [ObservationInline]

    @admin.display(description="payload (hex)")
    def payload_hex(self, obj: RawRecord) -> str:
        return format_html(
            "<code style='word-break:break-all'>{}</code>", bytes(obj.payload).hex()
        )

    @admin.display(description="decoded")
    def decoded(self, obj: RawRecord) -> str:
        data = bytes(obj.payload)
        if obj.source in HEX_SOURCES:
            try:
                text = json.dumps(
                    gb26875.describe(gb26875.decode(data)),
                    ensure_ascii=False,
                    indent=2,
                    default=str,
                )
            except gb26875.FrameError as error:
                text = str(error)
        else:
            text = data.decode("utf-8", "replace")
        return format_html("<pre style='white-space:pre-wrap'>{}</pre>", text)


@admin.register(Observation)
class ObservationAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "name",
        "value",
        "device",
        "point",
        "observed_at",
        "received_at",
    ]
    list_filter = ["name"]
    search_fields = ["name", "device__source_address", "point__code"]
    date_hierarchy = "observed_at"
    list_select_related = ["device", "point"]
    fields = [
        "name",
        "value_bool",
        "value_number",
        "value_text",
        "device",
        "point",
        "observed_at",
        "received_at",
        "raw_record_link",
    ]
    readonly_fields = fields

    @admin.display(description="raw record")
    def raw_record_link(self, obj: Observation) -> str:
        return admin_link(obj.raw_record)
