"""Points asked for by a whole intake batch at once."""

from __future__ import annotations

from offsite.registry import services
from offsite.registry.models import Point


def test_ensure_points_returns_existing_and_new_points(chaoyang_unit):
    device = services.register_device(unit=chaoyang_unit, source_address="0a1b2c3d4e5f")
    existing = services.ensure_point(device=device, code="1-1-1")

    points = services.ensure_points(
        wanted=[
            services.PointWanted(device=device, code="1-1-1"),
            services.PointWanted(device=device, code="1-1-2", component_address=2),
        ]
    )

    assert points[(device.pk, "1-1-1")] == existing
    assert points[(device.pk, "1-1-2")].component_address == 2
    assert Point.objects.filter(device=device).count() == 2


def test_ensure_points_tells_devices_apart(chaoyang_unit):
    first = services.register_device(unit=chaoyang_unit, source_address="0a1b2c3d4e5f")
    second = services.register_device(unit=chaoyang_unit, source_address="0a1b2c3d4e60")

    points = services.ensure_points(
        wanted=[
            services.PointWanted(device=first, code="1-1-1"),
            services.PointWanted(device=second, code="1-1-1"),
        ]
    )

    assert points[(first.pk, "1-1-1")] != points[(second.pk, "1-1-1")]
    assert Point.objects.count() == 2


def test_ensure_points_fills_an_empty_name_and_keeps_a_given_one(chaoyang_unit):
    device = services.register_device(unit=chaoyang_unit, source_address="0a1b2c3d4e5f")
    services.ensure_point(device=device, code="1-1-1")
    services.ensure_point(device=device, code="1-1-2", name="3层烟感")

    points = services.ensure_points(
        wanted=[
            services.PointWanted(device=device, code="1-1-1", name="2层手报"),
            services.PointWanted(device=device, code="1-1-2", name="其他"),
        ]
    )

    assert points[(device.pk, "1-1-1")].name == "2层手报"
    assert Point.objects.get(device=device, code="1-1-2").name == "3层烟感"


def test_the_first_request_that_names_a_new_point_names_it(chaoyang_unit):
    device = services.register_device(unit=chaoyang_unit, source_address="0a1b2c3d4e5f")

    points = services.ensure_points(
        wanted=[
            services.PointWanted(device=device, code="1-1-1"),
            services.PointWanted(device=device, code="1-1-1", name="2层手报"),
            services.PointWanted(device=device, code="1-1-1", name="其他"),
        ]
    )

    assert points[(device.pk, "1-1-1")].name == "2层手报"
    assert Point.objects.get(device=device, code="1-1-1").name == "2层手报"
