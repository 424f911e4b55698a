"""Reads of the registry: authorities, units, devices, providers and keys."""

from __future__ import annotations

import hmac
import logging

from django.db.models import QuerySet

from offsite.registry import apikeys
from offsite.registry.models import ApiKey, Authority, Device, Person, Provider, Unit
from offsite.registry.validators import SOURCE_ADDRESS_RE, normalize_source_address

logger = logging.getLogger(__name__)


def authenticate_api_key(key: str) -> Provider | None:
    """Return the provider a key belongs to, or None for a key that fails.

    A malformed, unknown or revoked key fails alike, so a caller cannot
    tell which of the three it sent.
    """
    api_key = _live_api_key(key)
    return api_key.provider if api_key is not None else None


def authenticate_person_key(key: str) -> Person | None:
    """Return the person a key belongs to, or None for a key that fails.

    A provider's key fails here as a malformed, unknown or revoked one does:
    it sends data and never acts as a person.
    """
    api_key = _live_api_key(key)
    if api_key is None or api_key.person is None:
        return None
    if not api_key.person.user.is_active:
        return None
    return api_key.person


def device_by_source_address(source_address: str) -> Device | None:
    """Return the device with this GB/T 26875.3 source address, if any."""
    source_address = normalize_source_address(source_address)
    if not SOURCE_ADDRESS_RE.fullmatch(source_address):
        return None
    return (
        Device.objects.select_related("unit")
        .filter(source_address=source_address)
        .first()
    )


def device_by_provider_id(provider: Provider, provider_device_id: str) -> Device | None:
    """Return the provider's device with the id the provider gives it, if any."""
    return (
        Device.objects.select_related("unit")
        .filter(provider=provider, provider_device_id=provider_device_id)
        .first()
    )


def devices_for_provider(
    provider: Provider, names: set[str]
) -> dict[str, tuple[Device, bool]]:
    """Find the devices a provider names, with whether it may write for each.

    A name is the provider's own id for a device or else the device's
    GB/T 26875.3 source address, as `device_by_provider_id` and
    `device_by_source_address` read them one at a time; this reads a whole
    batch's names in three queries. Names that match nothing are left out.
    """
    found: dict[str, Device] = {
        device.provider_device_id: device
        for device in Device.objects.select_related("unit").filter(
            provider=provider, provider_device_id__in=names
        )
    }
    by_address = {
        normalize_source_address(name): name
        for name in names - found.keys()
        if SOURCE_ADDRESS_RE.fullmatch(normalize_source_address(name))
    }
    for device in Device.objects.select_related("unit").filter(
        source_address__in=by_address
    ):
        found[by_address[device.source_address]] = device
    served = set(
        provider.units.filter(
            pk__in={device.unit_id for device in found.values()}
        ).values_list("pk", flat=True)
    )
    return {name: (device, device.unit_id in served) for name, device in found.items()}


def district(code: str) -> Authority | None:
    """Return the district authority with this GB/T 2260 code, if any."""
    return Authority.objects.filter(code=code, level=Authority.Level.DISTRICT).first()


def city() -> Authority:
    """Return the city authority; the registry migration loads it."""
    return Authority.objects.get(level=Authority.Level.CITY)


def units(*, district_code: str | None = None) -> QuerySet[Unit]:
    """Return the units, of one district if a code is given, by credit code."""
    queryset = Unit.objects.select_related("district").order_by("credit_code")
    if district_code is not None:
        queryset = queryset.filter(district__code=district_code)
    return queryset


def unit_by_credit_code(credit_code: str) -> Unit | None:
    """Return the unit with this credit code (any case), if registered."""
    return (
        Unit.objects.select_related("district")
        .filter(credit_code=credit_code.strip().upper())
        .first()
    )


def key_holder(api_key: ApiKey) -> str:
    """Return who holds a key: `provider:<slug>` or `person:<username>`."""
    if api_key.provider_id is not None:
        return f"provider:{api_key.provider.slug}"
    return f"person:{api_key.person.user.get_username()}"


def _live_api_key(key: str) -> ApiKey | None:
    prefix = apikeys.prefix_of(key)
    if prefix is None:
        return None
    api_key = (
        ApiKey.objects.select_related("provider", "person__user")
        .filter(prefix=prefix, revoked_at__isnull=True)
        .first()
    )
    if api_key is None:
        return None
    if not hmac.compare_digest(api_key.key_sha256, apikeys.digest(key)):
        logger.warning("event=api_key_mismatch prefix=%s", prefix)
        return None
    return api_key
