"""The `offsite units` command."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from offsite.cli import main
from offsite.registry.models import Unit


def units(*args: str) -> str:
    out = StringIO()
    call_command("units", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_add_registers_the_unit_and_prints_it():
    printed = units(
        "add",
        "--code",
        "91110105000000019Q",
        "--name",
        "京华商业广场",
        "--district",
        "110105",
        "--category",
        "key_unit",
        "--business-type",
        "shopping mall",
    )
    unit = Unit.objects.get()
    assert printed == f"{unit.pk}\t91110105000000019Q\t京华商业广场\t110105 朝阳区\n"
    assert (unit.category, unit.business_type) == ("key_unit", "shopping mall")


@pytest.mark.django_db
def test_add_accepts_a_lower_case_code():
    units(
        "add",
        "--code",
        "91110108ma01abcd5t",
        "--name",
        "中关村",
        "--district",
        "110108",
    )
    assert Unit.objects.get().credit_code == "91110108MA01ABCD5T"


@pytest.mark.django_db
def test_add_with_a_wrong_check_character_names_the_field_and_rule():
    with pytest.raises(CommandError) as caught:
        units(
            "add", "--code", "91110105000000019P", "--name", "x", "--district", "110105"
        )
    assert str(caught.value) == "credit_code: check character should be 'Q', got 'P'"


@pytest.mark.django_db
def test_refused_add_writes_nothing():
    with pytest.raises(CommandError):
        units(
            "add", "--code", "91110105000000019P", "--name", "x", "--district", "110105"
        )
    assert Unit.objects.count() == 0


@pytest.mark.django_db
def test_add_with_an_unknown_district_names_the_field():
    with pytest.raises(CommandError) as caught:
        units(
            "add", "--code", "91110105000000019Q", "--name", "x", "--district", "110100"
        )
    assert str(caught.value) == (
        "district_code: '110100' is not the GB/T 2260 code of a district"
    )


@pytest.mark.django_db
def test_refused_add_exits_non_zero_with_the_message(capsys):
    with pytest.raises(SystemExit) as caught:
        main(
            [
                "units",
                "add",
                "--code",
                "9111010500000001",
                "--name",
                "x",
                "--district",
                "110105",
            ]
        )
    assert caught.value.code == 1
    assert capsys.readouterr().err == (
        "CommandError: credit_code: must be 18 characters, got 16\n"
    )


@pytest.mark.django_db
def test_list_prints_one_line_per_unit(chaoyang_unit, haidian_unit):
    assert units("list") == (
        f"{chaoyang_unit.pk}\t91110105000000019Q\t京华商业广场\t110105 朝阳区\n"
        f"{haidian_unit.pk}\t91110108MA01ABCD5T\t中关村科技大厦\t110108 海淀区\n"
    )


@pytest.mark.django_db
def test_list_of_one_district_as_json(chaoyang_unit, haidian_unit):
    assert json.loads(units("list", "--district", "110108", "--json")) == [
        {
            "id": haidian_unit.pk,
            "credit_code": "91110108MA01ABCD5T",
            "name": "中关村科技大厦",
            "district": "110108",
            "district_name": "海淀区",
            "category": "general",
            "business_type": "",
        }
    ]


@pytest.mark.django_db
def test_list_of_an_unknown_district_is_refused():
    with pytest.raises(CommandError) as caught:
        units("list", "--district", "120101")
    assert str(caught.value) == (
        "district_code: '120101' is not the GB/T 2260 code of a district"
    )
