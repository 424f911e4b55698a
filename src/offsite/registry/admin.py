"""Admin pages of the registry.

API keys are issued from the provider list (an action that shows the
plaintext once) and never show their hash; phone numbers are masked in
lists (IM-8).
"""

from __future__ import annotations

import logging

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from offsite.registry import services
from offsite.registry.creditcode import normalize_credit_code
from offsite.registry.models import (
    ApiKey,
    Authority,
    Device,
    Person,
    Point,
    Provider,
    Site,
    Unit,
)
from offsite.registry.privacy import mask_phone
from offsite.registry.validators import normalize_source_address

logger = logging.getLogger(__name__)


class CreditCodeFormMixin:
    """Accept a credit code in any case; the model's clean() checks it."""

    def clean_credit_code(self) -> str:
        return normalize_credit_code(self.cleaned_data.get("credit_code") or "")


class UnitForm(CreditCodeFormMixin, forms.ModelForm):
    class Meta:
        model = Unit
        fields = [
            "credit_code",
            "name",
            "district",
            "category",
            "business_type",
            "floor_area_m2",
            "building_height_m",
            "staff_count",
        ]


class ProviderForm(CreditCodeFormMixin, forms.ModelForm):
    class Meta:
        model = Provider
        fields = ["name", "slug", "credit_code", "units"]


class DeviceForm(forms.ModelForm):
    class Meta:
        model = Device
        fields = [
            "unit",
            "site",
            "provider",
            "kind",
            "name",
            "source_address",
            "provider_device_id",
        ]

    def clean_source_address(self) -> str | None:
        address = self.cleaned_data.get("source_address")
        return normalize_source_address(address) if address else None


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name", "name_en"]


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    form = UnitForm
    list_display = ["credit_code", "name", "district", "category", "business_type"]
    list_filter = ["category", "district"]
    search_fields = ["credit_code", "name", "business_type"]
    list_select_related = ["district"]
    readonly_fields = ["created_at"]
    inlines = [SiteInline]


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "address", "building_height_m"]
    list_filter = ["unit__district"]
    search_fields = ["name", "address", "unit__name", "unit__credit_code"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit"]


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    fields = ["label", "prefix", "created_at", "revoked_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    form = ProviderForm
    list_display = ["name", "slug", "credit_code", "unit_count", "created_at"]
    search_fields = ["name", "slug", "credit_code"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["units"]
    readonly_fields = ["created_at"]
    inlines = [ApiKeyInline]
    actions = ["issue_api_key"]

    @admin.display(description="units")
    def unit_count(self, provider: Provider) -> int:
        return provider.units.count()

    @admin.action(description="Issue a new API key (shown once)")
    def issue_api_key(self, request: HttpRequest, queryset: QuerySet[Provider]) -> None:
        for provider in queryset:
            key = services.issue_api_key(
                provider=provider, label=f"issued by {request.user.get_username()}"
            )
            # The plaintext exists only in this message: it is not stored.
            self.message_user(
                request,
                f"New API key for {provider.slug}, copy it now, it is not shown "
                f"again: {key}",
                messages.WARNING,
            )


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["prefix", "provider", "label", "created_at", "revoked_at"]
    list_filter = ["provider", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["prefix", "label", "provider__name", "provider__slug"]
    fields = ["provider", "label", "prefix", "created_at", "revoked_at"]
    readonly_fields = ["provider", "prefix", "created_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A key is issued from the provider list, where its plaintext is
        # shown once; a bare form here would have no secret to show.
        return False

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for api_key in queryset:
            services.revoke_api_key(api_key=api_key)
        self.message_user(request, f"{queryset.count()} key(s) revoked.")


class PointInline(admin.TabularInline):
    model = Point
    extra = 0
    fields = [
        "code",
        "name",
        "system_type",
        "system_address",
        "component_type",
        "component_address",
    ]


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    form = DeviceForm
    list_display = [
        "__str__",
        "unit",
        "kind",
        "source_address",
        "provider",
        "provider_device_id",
    ]
    list_filter = ["kind", "provider", "unit__district"]
    search_fields = [
        "name",
        "source_address",
        "provider_device_id",
        "unit__name",
        "unit__credit_code",
    ]
    list_select_related = ["unit", "provider"]
    autocomplete_fields = ["unit", "site"]
    readonly_fields = ["created_at"]
    inlines = [PointInline]


@admin.register(Point)
class PointAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "device", "system_type", "component_type"]
    list_filter = ["device__kind"]
    search_fields = ["code", "name", "device__source_address", "device__name"]
    list_select_related = ["device"]
    autocomplete_fields = ["device"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "authority", "unit", "provider", "masked_phone"]
    list_filter = ["role", "authority"]
    search_fields = ["user__username", "unit__name", "provider__name"]
    list_select_related = ["user", "authority", "unit", "provider"]
    autocomplete_fields = ["user", "unit"]

    @admin.display(description="phone")
    def masked_phone(self, person: Person) -> str:
        return mask_phone(person.phone)
