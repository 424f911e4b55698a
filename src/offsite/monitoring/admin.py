"""Check results and findings in admin, read only, linked back to their data."""

from __future__ import annotations

import json

from django.contrib import admin
from django.utils.html import format_html

from offsite.admin_readonly import ReadOnlyAdmin, admin_link
from offsite.monitoring.models import CheckResult, Finding


def _detail(detail: dict) -> str:
    text = json.dumps(detail, ensure_ascii=False, indent=2)
    return format_html("<pre style='white-space:pre-wrap'>{}</pre>", text)


@admin.register(CheckResult)
class CheckResultAdmin(ReadOnlyAdmin):
    list_display = ["id", "rule", "outcome", "unit", "subject", "observed_at"]
    list_filter = ["outcome", "rule__scenario__code"]
    search_fields = ["subject", "unit__name", "unit__credit_code"]
    date_hierarchy = "observed_at"
    list_select_related = ["rule__scenario", "unit"]
    fields = [
        "rule",
        "outcome",
        "unit",
        "device",
        "point",
        "subject",
        "observed_at",
        "received_at",
        "evaluated_at",
        "observation_link",
        "raw_record_link",
        "detail_view",
    ]
    readonly_fields = fields

    @admin.display(description="observation")
    def observation_link(self, obj: CheckResult) -> str:
        return admin_link(obj.observation)

    @admin.display(description="raw record")
    def raw_record_link(self, obj: CheckResult) -> str:
        return admin_link(obj.observation.raw_record if obj.observation else None)

    @admin.display(description="values and thresholds")
    def detail_view(self, obj: CheckResult) -> str:
        return _detail(obj.detail)


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ["id", "scenario", "outcome", "unit", "subject", "observed_at"]
    list_filter = ["outcome", "scenario__code"]
    search_fields = ["subject", "unit__name"]
    list_select_related = ["scenario", "unit"]
    fields = [
        "scenario",
        "outcome",
        "unit",
        "subject",
        "observed_at",
        "received_at",
        "check_result_link",
    ]
    readonly_fields = fields

    @admin.display(description="check result")
    def check_result_link(self, obj: Finding) -> str:
        return admin_link(obj.check_result)
