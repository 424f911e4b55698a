"""Load the Beijing city authority and its 16 districts.

Codes are the GB/T 2260 administrative division codes of Beijing as
published by the Ministry of Civil Affairs; the list is the one in force
since Miyun and Yanqing became districts in 2015.
"""

from __future__ import annotations

from django.db import migrations

CITY = ("110000", "北京市", "Beijing")

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


def load(apps, schema_editor):
    authority_model = apps.get_model("registry", "Authority")
    code, name, name_en = CITY
    city, _ = authority_model.objects.update_or_create(
        code=code,
        defaults={"name": name, "name_en": name_en, "level": "city", "parent": None},
    )
    for code, name, name_en in DISTRICTS:
        authority_model.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "level": "district",
                "parent": city,
            },
        )


def unload(apps, schema_editor):
    # Units point at their district with PROTECT, so this refuses to run
    # while any unit is registered, which is the wanted outcome.
    authority_model = apps.get_model("registry", "Authority")
    authority_model.objects.filter(code__in=[row[0] for row in DISTRICTS]).delete()
    authority_model.objects.filter(code=CITY[0]).delete()


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
