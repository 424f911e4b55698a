"""Registering units and their sites."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from offsite.registry import queries, services
from offsite.registry.creditcode import make_credit_code
from offsite.registry.models import Site, Unit

CODE = "91110105000000019Q"


def register(**fields):
    values = {
        "credit_code": CODE,
        "name": "京华商业广场",
        "district_code": "110105",
    }
    values.update(fields)
    return services.register_unit(**values)


@pytest.mark.django_db
def test_unit_is_registered_in_its_district():
    unit = register(category="key_unit", business_type="shopping mall")
    stored = Unit.objects.get(pk=unit.pk)
    assert (
        stored.credit_code,
        stored.name,
        stored.district.code,
        stored.category,
        stored.business_type,
    ) == (CODE, "京华商业广场", "110105", "key_unit", "shopping mall")


@pytest.mark.django_db
def test_unit_keeps_its_size_figures():
    unit = register(floor_area_m2="12500.50", building_height_m=48, staff_count=320)
    stored = Unit.objects.get(pk=unit.pk)
    assert (stored.floor_area_m2, stored.building_height_m, stored.staff_count) == (
        Decimal("12500.50"),
        Decimal("48.00"),
        320,
    )


@pytest.mark.django_db
def test_lower_case_credit_code_is_stored_in_upper_case():
    unit = register(credit_code="91110108ma01abcd5t")
    assert Unit.objects.get(pk=unit.pk).credit_code == "91110108MA01ABCD5T"


@pytest.mark.django_db
def test_invalid_credit_code_is_refused_naming_the_field():
    with pytest.raises(ValidationError) as caught:
        register(credit_code="91110105000000019P")
    assert caught.value.message_dict == {
        "credit_code": ["check character should be 'Q', got 'P'"]
    }


@pytest.mark.django_db
def test_invalid_credit_code_leaves_nothing_written():
    with pytest.raises(ValidationError):
        register(credit_code="91110105000000019P")
    assert Unit.objects.count() == 0


@pytest.mark.django_db
def test_unknown_district_is_refused_naming_the_field():
    with pytest.raises(ValidationError) as caught:
        register(district_code="110199")
    assert caught.value.message_dict == {
        "district_code": ["'110199' is not the GB/T 2260 code of a district"]
    }


@pytest.mark.django_db
def test_unknown_district_leaves_nothing_written():
    with pytest.raises(ValidationError):
        register(district_code="110199")
    assert Unit.objects.count() == 0


@pytest.mark.django_db
def test_city_is_not_a_district_for_a_unit():
    with pytest.raises(ValidationError) as caught:
        register(district_code="110000")
    assert list(caught.value.message_dict) == ["district_code"]


@pytest.mark.django_db
def test_bad_code_and_unknown_district_are_both_reported():
    with pytest.raises(ValidationError) as caught:
        register(credit_code="9111010500000001", district_code="110199")
    assert sorted(caught.value.message_dict) == ["credit_code", "district_code"]


@pytest.mark.django_db
def test_duplicate_credit_code_is_refused():
    register()
    with pytest.raises(ValidationError) as caught:
        register(name="另一个名字")
    assert caught.value.message_dict == {
        "credit_code": [f"a unit with credit code {CODE} is already registered"]
    }


@pytest.mark.django_db
def test_duplicate_credit_code_leaves_the_first_unit_alone():
    register()
    with pytest.raises(ValidationError):
        register(credit_code=CODE.lower(), name="另一个名字")
    assert list(Unit.objects.values_list("name", flat=True)) == ["京华商业广场"]


@pytest.mark.django_db
def test_unknown_category_is_refused():
    with pytest.raises(ValidationError) as caught:
        register(category="factory")
    assert list(caught.value.message_dict) == ["category"]
    assert Unit.objects.count() == 0


@pytest.mark.django_db
def test_unit_model_refuses_a_city_district():
    unit = Unit(credit_code=CODE, name="x", district=queries.city())
    with pytest.raises(ValidationError) as caught:
        unit.full_clean()
    assert caught.value.message_dict == {
        "district": ["110000 北京市 is not a district authority"]
    }


@pytest.mark.django_db
def test_site_is_added_to_its_unit():
    unit = register()
    site = services.register_site(
        unit=unit, name="A座", address="朝阳区建国路1号", building_height_m="99.5"
    )
    assert Site.objects.get(pk=site.pk).unit == unit


@pytest.mark.django_db
def test_site_without_a_name_is_refused():
    unit = register()
    with pytest.raises(ValidationError) as caught:
        services.register_site(unit=unit, name=" ")
    assert list(caught.value.message_dict) == ["name"]
    assert Site.objects.count() == 0


@pytest.mark.django_db
def test_units_query_filters_by_district():
    register()
    register(credit_code="91110108MA01ABCD5T", district_code="110108")
    assert [u.credit_code for u in queries.units(district_code="110108")] == [
        "91110108MA01ABCD5T"
    ]


@pytest.mark.django_db
def test_unit_by_credit_code_ignores_case():
    unit = register()
    assert queries.unit_by_credit_code(CODE.lower()) == unit


def test_a_unit_name_with_control_characters_is_refused(db):
    with pytest.raises(ValidationError) as refused:
        services.register_unit(
            credit_code=make_credit_code(organisation=12345678),
            name="a\x1b[31mred\nnew",
            district_code="110108",
        )

    assert "name" in refused.value.message_dict
    assert Unit.objects.count() == 0
