"""Devices, their points, and who may write for them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from offsite.registry import queries, services
from offsite.registry.models import Device, Point


def test_device_is_found_by_its_source_address(chaoyang_unit):
    device = services.register_device(unit=chaoyang_unit, source_address="0a1b2c3d4e5f")
    assert queries.device_by_source_address("0a1b2c3d4e5f") == device


def test_source_address_is_stored_in_lower_case(chaoyang_unit):
    device = services.register_device(unit=chaoyang_unit, source_address="0A1B2C3D4E5F")
    assert Device.objects.get(pk=device.pk).source_address == "0a1b2c3d4e5f"


def test_lookup_by_source_address_ignores_case(chaoyang_unit):
    device = services.register_device(unit=chaoyang_unit, source_address="0a1b2c3d4e5f")
    assert queries.device_by_source_address("0A1B2C3D4E5F") == device


def test_lookup_of_an_unknown_source_address_finds_nothing(db):
    assert queries.device_by_source_address("000000000001") is None


def test_lookup_of_a_malformed_source_address_finds_nothing(db):
    assert queries.device_by_source_address("not-an-address") is None


@pytest.mark.parametrize("address", ["0a1b2c3d4e", "0a1b2c3d4e5f60", "0a1b2c3d4e5g"])
def test_malformed_source_address_is_refused(chaoyang_unit, address):
    with pytest.raises(ValidationError) as caught:
        services.register_device(unit=chaoyang_unit, source_address=address)
    assert caught.value.message_dict == {
        "source_address": [f"must be 12 lower-case hex digits, got {address!r}"]
    }
    assert Device.objects.count() == 0


def test_duplicate_source_address_is_refused(chaoyang_unit, haidian_unit):
    services.register_device(unit=chaoyang_unit, source_address="0a1b2c3d4e5f")
    with pytest.raises(ValidationError) as caught:
        services.register_device(unit=haidian_unit, source_address="0a1b2c3d4e5f")
    assert caught.value.message_dict == {
        "source_address": ["a device with this source address is already registered"]
    }
    assert Device.objects.count() == 1


def test_device_needs_an_identifier(chaoyang_unit):
    with pytest.raises(ValidationError) as caught:
        services.register_device(unit=chaoyang_unit, name="无编号设备")
    assert caught.value.message_dict == {
        "source_address": ["a device needs a source_address or a provider_device_id"]
    }


def test_device_is_found_by_its_provider_id(chaoyang_unit, provider):
    device = services.register_device(
        unit=chaoyang_unit,
        provider=provider,
        provider_device_id="WP-0042",
        kind=Device.Kind.SENSOR,
        name="末端压力表",
    )
    assert queries.device_by_provider_id(provider, "WP-0042") == device


def test_provider_id_of_another_provider_finds_nothing(
    chaoyang_unit, haidian_unit, provider
):
    services.register_device(
        unit=chaoyang_unit, provider=provider, provider_device_id="WP-0042"
    )
    other = services.register_provider(
        name="其他服务商", slug="other", units=[haidian_unit]
    )
    assert queries.device_by_provider_id(other, "WP-0042") is None


def test_provider_id_without_a_provider_is_refused(chaoyang_unit):
    with pytest.raises(ValidationError) as caught:
        services.register_device(unit=chaoyang_unit, provider_device_id="WP-0042")
    assert caught.value.message_dict == {
        "provider": ["a provider_device_id is only unique per provider"]
    }


def test_provider_that_does_not_serve_the_unit_is_refused(haidian_unit, provider):
    with pytest.raises(ValidationError) as caught:
        services.register_device(
            unit=haidian_unit, provider=provider, provider_device_id="WP-0042"
        )
    assert caught.value.message_dict == {
        "provider": ["provider anlian-iot does not serve unit 91110108MA01ABCD5T"]
    }
    assert Device.objects.count() == 0


def test_provider_may_write_for_its_own_units_device(chaoyang_unit, provider):
    device = services.register_device(unit=chaoyang_unit, source_address="0a1b2c3d4e5f")
    found = queries.devices_for_provider(provider, {"0A1B2C3D4E5F"})
    assert found == {"0A1B2C3D4E5F": (device, True)}


def test_provider_may_not_write_for_another_units_device(haidian_unit, provider):
    device = services.register_device(unit=haidian_unit, source_address="0a1b2c3d4e5f")
    found = queries.devices_for_provider(provider, {"0a1b2c3d4e5f"})
    assert found == {"0a1b2c3d4e5f": (device, False)}


def test_provider_may_write_once_it_serves_the_unit(haidian_unit, provider):
    device = services.register_device(unit=haidian_unit, source_address="0a1b2c3d4e5f")
    services.add_provider_units(provider=provider, units=[haidian_unit])
    found = queries.devices_for_provider(provider, {"0a1b2c3d4e5f"})
    assert found == {"0a1b2c3d4e5f": (device, True)}


def test_a_provider_names_devices_by_its_own_id_or_by_address(chaoyang_unit, provider):
    own = services.register_device(
        unit=chaoyang_unit, provider=provider, provider_device_id="WP-0042"
    )
    wired = services.register_device(unit=chaoyang_unit, source_address="0a1b2c3d4e5f")

    found = queries.devices_for_provider(
        provider, {"WP-0042", "0a1b2c3d4e5f", "WP-9999", "not an address"}
    )

    assert found == {"WP-0042": (own, True), "0a1b2c3d4e5f": (wired, True)}


def test_site_of_another_unit_is_refused(chaoyang_unit, haidian_unit):
    site = services.register_site(unit=haidian_unit, name="B座")
    with pytest.raises(ValidationError) as caught:
        services.register_device(
            unit=chaoyang_unit, site=site, source_address="0a1b2c3d4e5f"
        )
    assert caught.value.message_dict == {"site": ["the site belongs to another unit"]}


@pytest.fixture
def device(chaoyang_unit):
    return services.register_device(unit=chaoyang_unit, source_address="0a1b2c3d4e5f")


def test_ensure_point_creates_the_point(device):
    point = services.ensure_point(
        device=device,
        code="1-1-020101165",
        name="3层烟感",
        system_type=1,
        system_address=1,
        component_type=40,
        component_address=20101165,
    )
    stored = Point.objects.get(pk=point.pk)
    assert (stored.code, stored.name, stored.component_address) == (
        "1-1-020101165",
        "3层烟感",
        20101165,
    )


def test_ensure_point_returns_the_existing_point(device):
    first = services.ensure_point(device=device, code="1-1-020101165")
    again = services.ensure_point(device=device, code="1-1-020101165")
    assert (again.pk, Point.objects.count()) == (first.pk, 1)


def test_ensure_point_fills_an_empty_name(device):
    services.ensure_point(device=device, code="1-1-020101165")
    point = services.ensure_point(device=device, code="1-1-020101165", name="3层烟感")
    assert Point.objects.get(pk=point.pk).name == "3层烟感"


def test_ensure_point_keeps_an_existing_name(device):
    services.ensure_point(device=device, code="1-1-020101165", name="3层烟感")
    point = services.ensure_point(device=device, code="1-1-020101165", name="其他")
    assert Point.objects.get(pk=point.pk).name == "3层烟感"


def test_same_point_code_on_two_devices_makes_two_points(device, chaoyang_unit):
    other = services.register_device(unit=chaoyang_unit, source_address="0a1b2c3d4e60")
    services.ensure_point(device=device, code="1-1-1")
    services.ensure_point(device=other, code="1-1-1")
    assert Point.objects.filter(code="1-1-1").count() == 2
