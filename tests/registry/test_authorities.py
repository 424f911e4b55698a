"""The Beijing city authority and its 16 districts (GB/T 2260)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from offsite.registry import queries
from offsite.registry.models import Authority

beijing = importlib.import_module(
    "offsite.registry.migrations.0002_beijing_authorities"
)

DISTRICTS = [
    ("110101", "东城区", "Dongcheng"),
    ("110102", "西城区", "Xicheng"),
    ("110105", "朝阳区", "Chaoyang"),
    ("110106", "丰台区", "Fengtai"),
    ("110107", "石景山区", "Shijingshan"),
    ("110108", "海淀区", "Haidian"),
    ("110109", "门头沟区", "Mentougou"),
    ("110111", "房山区", "Fangshan"),
    ("110112", "通州区", "Tongzhou"),
    ("110113", "顺义区", "Shunyi"),
    ("110114", "昌平区", "Changping"),
    ("110115", "大兴区", "Daxing"),
    ("110116", "怀柔区", "Huairou"),
    ("110117", "平谷区", "Pinggu"),
    ("110118", "密云区", "Miyun"),
    ("110119", "延庆区", "Yanqing"),
]


@pytest.mark.django_db
def test_seventeen_authorities_are_loaded():
    assert Authority.objects.count() == 17


@pytest.mark.django_db
def test_city_is_beijing():
    city = queries.city()
    assert (city.code, city.name, city.name_en, city.level, city.parent) == (
        "110000",
        "北京市",
        "Beijing",
        "city",
        None,
    )


@pytest.mark.django_db
def test_districts_have_their_codes_and_names():
    rows = list(
        Authority.objects.filter(level="district")
        .order_by("code")
        .values_list("code", "name", "name_en")
    )
    assert rows == DISTRICTS


@pytest.mark.django_db
def test_every_district_belongs_to_the_city():
    parents = set(
        Authority.objects.filter(level="district").values_list(
            "parent__code", flat=True
        )
    )
    assert parents == {"110000"}


@pytest.mark.django_db
def test_district_query_finds_haidian():
    assert queries.district("110108").name == "海淀区"


@pytest.mark.django_db
def test_district_query_does_not_return_the_city():
    assert queries.district("110000") is None


@pytest.mark.django_db
def test_loading_again_changes_nothing():
    beijing.load(apps, None)
    assert Authority.objects.count() == 17


@pytest.mark.django_db
def test_loading_again_restores_an_edited_name():
    Authority.objects.filter(code="110105").update(name="朝阳")
    beijing.load(apps, None)
    assert Authority.objects.get(code="110105").name == "朝阳区"


@pytest.mark.django_db
def test_unloading_removes_the_city_and_districts():
    beijing.unload(apps, None)
    assert Authority.objects.count() == 0
