"""Edit the supervision item list (IM-5, IM-22: a new scenario is data).

Rows of a published version are shown read-only: changes go into a draft
made with "Start a new draft", which is then published. A threshold may
still be added to a published rule with a later `effective_from`, so a
number can change on a date without a new version.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from offsite.catalog import services
from offsite.catalog.models import (
    CatalogVersion,
    LegalPeriod,
    Rule,
    Scenario,
    Threshold,
)


def _published(version: CatalogVersion | None) -> bool:
    return version is not None and version.published_at is not None


class RuleInline(admin.TabularInline):
    model = Rule
    extra = 0
    fields = ["code", "kind", "observation_name", "breach_when", "basis", "description"]
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not (obj and _published(obj.version))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not (obj and _published(obj.version))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not (obj and _published(obj.version))


class ThresholdInline(admin.TabularInline):
    model = Threshold
    extra = 0
    fields = [
        "parameter",
        "value",
        "unit",
        "effective_from",
        "source",
        "confidence",
        "is_local_policy_default",
    ]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not (obj and _published(obj.scenario.version))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not (obj and _published(obj.scenario.version))


@admin.register(CatalogVersion)
class CatalogVersionAdmin(admin.ModelAdmin):
    list_display = ["number", "note", "published_at", "created_at"]
    readonly_fields = ["number", "published_at", "created_at"]
    actions = ["publish_selected", "start_new_draft"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A version starts as a copy of the current one (start_new_draft).
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _published(obj)

    @admin.action(description="Publish the selected draft")
    def publish_selected(
        self, request: HttpRequest, queryset: QuerySet[CatalogVersion]
    ) -> None:
        for version in queryset.order_by("number"):
            try:
                services.publish(version)
            except ValidationError as error:
                for message in error.messages:
                    self.message_user(request, message, level=messages.ERROR)
            else:
                self.message_user(request, f"Published {version}.")

    @admin.action(description="Start a new draft from the current version")
    def start_new_draft(
        self, request: HttpRequest, queryset: QuerySet[CatalogVersion]
    ) -> None:
        draft = services.publish_new_version(note="")
        self.message_user(request, f"Draft {draft} created; edit it, then publish.")


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "version",
        "authority",
        "grade",
        "family",
        "procedure",
        "urgent",
        "requires_confirmation",
    ]
    list_filter = ["version", "family", "grade", "procedure", "authority"]
    search_fields = ["code", "name", "name_en"]
    inlines = [RuleInline]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not (obj and _published(obj.version))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not (obj and _published(obj.version))

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, **kwargs)
        if "version" in form.base_fields:
            # New scenarios go into a draft only.
            form.base_fields["version"].queryset = CatalogVersion.objects.filter(
                published_at__isnull=True
            )
        return form


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ["code", "scenario", "kind", "observation_name", "breach_when"]
    list_filter = [
        "scenario__version",
        "scenario__family",
        "scenario__grade",
        "kind",
    ]
    search_fields = ["code", "observation_name", "scenario__code"]
    list_select_related = ["scenario", "scenario__version"]
    inlines = [ThresholdInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj and _published(obj.scenario.version):
            # Only new dated thresholds may be added to a published rule.
            return [field.name for field in Rule._meta.fields]
        return []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not (obj and _published(obj.scenario.version))

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, **kwargs)
        if "scenario" in form.base_fields:
            # New rules go into a draft only.
            form.base_fields["scenario"].queryset = Scenario.objects.filter(
                version__published_at__isnull=True
            )
        return form


@admin.register(LegalPeriod)
class LegalPeriodAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "value", "unit", "effective_from", "source"]
    list_filter = ["code", "unit", "is_local_policy_default"]
    search_fields = ["code", "name", "source"]
