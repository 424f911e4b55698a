"""Who and what is supervised: authorities, units, sites, devices, people."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from offsite.registry.creditcode import validate_credit_code
from offsite.registry.validators import (
    validate_phone,
    validate_printable,
    validate_source_address,
)


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
        validate_credit_code(self.credit_code)
        validate_printable(self.name, field="name")
        # LM-15: a clue belongs to the district where the unit is, so every
        # unit is registered under a district, never under the city itself.
        if self.district_id is not None and (
            self.district.level != Authority.Level.DISTRICT
        ):
            raise ValidationError(
                {"district": f"{self.district} is not a district authority"}
            )


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

    def clean(self) -> None:
        if self.credit_code:
            validate_credit_code(self.credit_code)


class ApiKey(models.Model):
    """An API key; only its SHA-256 is kept, found by its prefix.

    A provider's key sends data (IM-21); a person's key acts as that person
    on the event, delivery and oversight interfaces, within their scope.
    """

    provider = models.ForeignKey(
        Provider,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_keys",
    )
    person = models.ForeignKey(
        "registry.Person",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_keys",
    )
    label = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12, unique=True)
    key_sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(provider__isnull=False, person__isnull=True)
                    | Q(provider__isnull=True, person__isnull=False)
                ),
                name="api_key_has_one_holder",
                violation_error_message=_(
                    "provider: a key belongs to a provider or to a person, exactly one"
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider or self.person} {self.prefix}…"


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
                # The code "unique" on a one-field constraint puts the
                # message on that field in forms and in full_clean().
                violation_error_code="unique",
                violation_error_message=_(
                    "a device with this source address is already registered"
                ),
            ),
            models.UniqueConstraint(
                fields=["provider", "provider_device_id"],
                condition=Q(provider_device_id__isnull=False),
                name="device_unique_provider_id",
                violation_error_message=_(
                    "provider_device_id: this provider already has a device "
                    "with this id"
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.source_address or self.provider_device_id or "?"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.source_address is not None:
            try:
                validate_source_address(self.source_address)
            except ValidationError as error:
                errors["source_address"] = error.messages[0]
        if self.provider_device_id is not None and self.provider_id is None:
            errors["provider"] = "a provider_device_id is only unique per provider"
        if self.source_address is None and self.provider_device_id is None:
            errors["source_address"] = (
                "a device needs a source_address or a provider_device_id"
            )
        if self.provider_id is not None and self.unit_id is not None:
            serves = self.provider.units.filter(pk=self.unit_id).exists()
            if not serves:
                errors["provider"] = (
                    f"provider {self.provider.slug} does not serve unit "
                    f"{self.unit.credit_code}"
                )
        if self.site_id is not None and self.site.unit_id != self.unit_id:
            errors["site"] = "the site belongs to another unit"
        if errors:
            raise ValidationError(errors)


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


_SCOPE_WORDS = {
    "authority": "an authority (the city or a district)",
    "unit": "a unit",
    "provider": "a provider",
}


class Person(models.Model):
    """A person who signs in, with one role and the scope it acts in."""

    class Role(models.TextChoices):
        DISPATCH_STAFF = "dispatch_staff", _("dispatch center staff")
        OFFICER = "officer", _("qualified officer")
        AUXILIARY = "auxiliary", _("auxiliary staff")
        LEGAL = "legal", _("legal department")
        UNIT_USER = "unit_user", _("unit user")
        PROVIDER_USER = "provider_user", _("provider user")

    # The roles of an authority's own staff; they sign in to the console.
    STAFF_ROLES = frozenset(
        {Role.DISPATCH_STAFF, Role.OFFICER, Role.AUXILIARY, Role.LEGAL}
    )

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
                violation_error_message=_(
                    "staff roles act for an authority, a unit user for one unit, "
                    "a provider user for one provider"
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.get_role_display()})"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.phone:
            try:
                validate_phone(self.phone)
            except ValidationError as error:
                errors["phone"] = error.messages

        scope = {
            "authority": self.authority_id,
            "unit": self.unit_id,
            "provider": self.provider_id,
        }
        if self.role in self.STAFF_ROLES:
            needed = "authority"
        elif self.role == self.Role.UNIT_USER:
            needed = "unit"
        elif self.role == self.Role.PROVIDER_USER:
            needed = "provider"
        else:
            needed = None  # clean_fields() reports the unknown role

        if needed is not None and scope[needed] is None:
            errors[needed] = [f"role {self.role} needs {_SCOPE_WORDS[needed]}"]
        for field, value in scope.items():
            if needed is not None and field != needed and value is not None:
                errors[field] = [
                    f"role {self.role} acts for {_SCOPE_WORDS[needed]}; "
                    f"leave {field} empty"
                ]
        if errors:
            raise ValidationError(errors)

    @property
    def is_staff_role(self) -> bool:
        """Say whether the role belongs to an authority's staff."""
        return self.role in self.STAFF_ROLES

    @property
    def may_confirm(self) -> bool:
        """Only a qualified officer confirms what a person must judge (LM-9)."""
        return self.role == self.Role.OFFICER
