"""Who and what is supervised: authorities, units, sites, devices, people."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Authority(models.Model):
    """The city fire authority or one of its districts (GB/T 2260 code)."""

    class Level(models.TextChoices):
        CITY = "city", _("city")
        DISTRICT = "district", _("district")

    code = models.CharField(max_length=6, unique=True)
    name = models.CharField(max_length=64)
    name_en = models.CharField(max_length=64, blank=True)
    level = models.CharField(max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="districts",
    )

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "authorities"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Unit(models.Model):
    """A supervised unit (社会单位), known by its unified social credit code."""

    class Category(models.TextChoices):
        KEY_UNIT = "key_unit", _("key unit")
        GENERAL = "general", _("general unit")
        SMALL_VENUE = "small_venue", _("small venue")

    credit_code = models.CharField(max_length=18, unique=True)
    name = models.CharField(max_length=200)
    district = models.ForeignKey(
        Authority, on_delete=models.PROTECT, related_name="units"
    )
    category = models.CharField(
        max_length=16, choices=Category.choices, default=Category.GENERAL
    )
    business_type = models.CharField(max_length=64, blank=True)
    floor_area_m2 = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True
    )
    building_height_m = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True
    )
    staff_count = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["credit_code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from offsite.registry.creditcode import validate_credit_code

        validate_credit_code(self.credit_code)


class Site(models.Model):
    """A place of a unit: a building, a venue, a construction site."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="sites")
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300, blank=True)
    building_height_m = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True
    )

    def __str__(self) -> str:
        return self.name


class Provider(models.Model):
    """A service provider or device network that sends data for its units."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=64, unique=True)
    credit_code = models.CharField(max_length=18, blank=True)
    units = models.ManyToManyField(Unit, related_name="providers", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class ApiKey(models.Model):
    """A provider's API key; only its SHA-256 is kept, found by its prefix."""

    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, related_name="api_keys"
    )
    label = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12, unique=True)
    key_sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.provider} {self.prefix}…"


class Device(models.Model):
    """A transmission device or sensor of a unit.

    A GB/T 26875.3 device is found by its source address (12 hex digits of
    the 6-byte address read as a little-endian integer); any other device by
    the id its provider gives it.
    """

    class Kind(models.TextChoices):
        TRANSMISSION = "transmission", _("user information transmission device")
        SENSOR = "sensor", _("sensor")
        OTHER = "other", _("other")

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="devices")
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.PROTECT, related_name="devices"
    )
    provider = models.ForeignKey(
        Provider,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="devices",
    )
    kind = models.CharField(
        max_length=16, choices=Kind.choices, default=Kind.TRANSMISSION
    )
    name = models.CharField(max_length=200, blank=True)
    source_address = models.CharField(max_length=12, null=True, blank=True)
    provider_device_id = models.CharField(max_length=64, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source_address"],
                condition=Q(source_address__isnull=False),
                name="device_unique_source_address",
            ),
            models.UniqueConstraint(
                fields=["provider", "provider_device_id"],
                condition=Q(provider_device_id__isnull=False),
                name="device_unique_provider_id",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.source_address or self.provider_device_id or "?"


class Point(models.Model):
    """One supervised point of a device: a detector, a module, a sensor."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="points")
    code = models.CharField(max_length=64)
    name = models.CharField(max_length=200, blank=True)
    system_type = models.PositiveSmallIntegerField(null=True, blank=True)
    system_address = models.PositiveSmallIntegerField(null=True, blank=True)
    component_type = models.PositiveSmallIntegerField(null=True, blank=True)
    component_address = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["device", "code"], name="point_unique_code_per_device"
            )
        ]

    def __str__(self) -> str:
        return self.name or self.code


class Person(models.Model):
    """A person who signs in, with one role and the scope it acts in."""

    class Role(models.TextChoices):
        DISPATCH_STAFF = "dispatch_staff", _("dispatch center staff")
        OFFICER = "officer", _("qualified officer")
        AUXILIARY = "auxiliary", _("auxiliary staff")
        LEGAL = "legal", _("legal department")
        UNIT_USER = "unit_user", _("unit user")
        PROVIDER_USER = "provider_user", _("provider user")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="person"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    authority = models.ForeignKey(
        Authority,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="people"
    )
    provider = models.ForeignKey(
        Provider,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    phone = models.CharField(max_length=20, blank=True)

    class Meta:
        verbose_name_plural = "people"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        role__in=["dispatch_staff", "officer", "auxiliary", "legal"],
                        authority__isnull=False,
                        unit__isnull=True,
                        provider__isnull=True,
                    )
                    | Q(role="unit_user", unit__isnull=False, provider__isnull=True)
                    | Q(role="provider_user", provider__isnull=False, unit__isnull=True)
                ),
                name="person_scope_matches_role",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.get_role_display()})"

    @property
    def may_confirm(self) -> bool:
        """Only a qualified officer confirms what a person must judge (LM-9)."""
        return self.role == self.Role.OFFICER
