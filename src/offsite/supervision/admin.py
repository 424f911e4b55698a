"""Events in admin: to look at, never to edit; moves go through `transition`."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from offsite.supervision.models import (
    AuthorityNotice,
    DocumentCounter,
    Event,
    EventFinding,
    EvidenceFile,
    OwnerChange,
    Prompt,
    Report,
    ReviewRequest,
    Transition,
    UnitAnswer,
)


class ReadOnlyMixin:
    """Allow viewing only: every change goes through the services."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TransitionInline(ReadOnlyMixin, admin.TabularInline):
    model = Transition
    fields = ["at", "from_state", "to_state", "actor", "reason", "due_at"]
    readonly_fields = fields
    extra = 0
    ordering = ["at", "id"]


class PromptInline(ReadOnlyMixin, admin.TabularInline):
    model = Prompt
    fields = ["created_at", "kind", "due_at", "text"]
    readonly_fields = fields
    extra = 0


class EventFindingInline(ReadOnlyMixin, admin.TabularInline):
    model = EventFinding
    fields = ["finding", "attached_at"]
    readonly_fields = fields
    extra = 0


@admin.register(Event)
class EventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "unit",
        "scenario_code",
        "subject",
        "state",
        "due_at",
        "opened_at",
    ]
    list_filter = ["state", "scenario__code", "unit__district"]
    search_fields = ["subject", "unit__name", "unit__credit_code"]
    date_hierarchy = "opened_at"
    list_select_related = ["unit", "scenario"]
    inlines = [EventFindingInline, TransitionInline, PromptInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Event._meta.fields]

    @admin.display(description="scenario", ordering="scenario__code")
    def scenario_code(self, obj: Event) -> str:
        return obj.scenario.code


@admin.register(Transition)
class TransitionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["at", "event", "from_state", "to_state", "actor", "due_at"]
    list_filter = ["to_state", "from_state"]
    search_fields = ["actor", "event__subject"]
    date_hierarchy = "at"
    list_select_related = ["event", "event__scenario"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Transition._meta.fields]


@admin.register(Prompt)
class PromptAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "kind", "unit", "event", "due_at"]
    list_filter = ["kind"]
    search_fields = ["unit__name", "text"]
    date_hierarchy = "created_at"
    list_select_related = ["unit", "event", "event__scenario"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Prompt._meta.fields]


class _ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]


@admin.register(ReviewRequest)
class ReviewRequestAdmin(_ReadOnlyAdmin):
    list_display = ["filed_at", "event", "state", "due_at", "answered_at"]
    list_filter = ["state"]
    list_select_related = ["event", "event__scenario"]


@admin.register(Report)
class ReportAdmin(_ReadOnlyAdmin):
    list_display = ["at", "event", "officer", "outcome"]
    list_filter = ["outcome"]
    list_select_related = ["event", "event__scenario", "officer__user"]


@admin.register(UnitAnswer)
class UnitAnswerAdmin(_ReadOnlyAdmin):
    list_display = ["at", "event", "person"]
    list_select_related = ["event", "event__scenario", "person__user"]


@admin.register(EvidenceFile)
class EvidenceFileAdmin(_ReadOnlyAdmin):
    list_display = ["name", "answer", "size_bytes", "sha256"]


@admin.register(OwnerChange)
class OwnerChangeAdmin(_ReadOnlyAdmin):
    list_display = ["at", "event", "kind", "from_authority", "to_authority"]
    list_filter = ["kind"]


@admin.register(AuthorityNotice)
class AuthorityNoticeAdmin(_ReadOnlyAdmin):
    list_display = ["created_at", "kind", "authority", "event"]
    list_filter = ["kind", "authority"]


@admin.register(DocumentCounter)
class DocumentCounterAdmin(_ReadOnlyAdmin):
    list_display = ["authority", "year", "last_number"]
