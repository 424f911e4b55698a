"""Say the thresholds as a published list should.

- A parameter names what it measures ("held for"); the page says the amount
  with its unit (1 day, 10 minutes), so the labels no longer carry
  "(minutes)".
- A local policy default is flagged by its own field, shown beside its
  source: a threshold's or a rectification period's source no longer
  repeats "本地政策默认值：".
- The GB 25201-2010 effective date is marked as still to be checked, in the
  words of a published list, and version 1's note cites its articles by
  name.
"""

from __future__ import annotations

from django.db import migrations, models

POLICY_PREFIX = "本地政策默认值："
VERSION_NOTE = (
    "首版非现场监管事项清单（LM-13、IM-12 各场景）",
    "首版非现场监管事项清单（衔接办法第十三条、实施办法第十二条所列各场景）",
)
UNCHECKED_DATE = (
    "（2011-03-01施行，日期据记忆）",
    "（2011-03-01施行，该日期待核实）",
)


def reword(apps, schema_editor) -> None:
    CatalogVersion = apps.get_model("catalog", "CatalogVersion")
    CatalogVersion.objects.filter(note=VERSION_NOTE[0]).update(note=VERSION_NOTE[1])
    Scenario = apps.get_model("catalog", "Scenario")
    for scenario in Scenario.objects.filter(
        rectification_period_is_local_policy_default=True,
        rectification_period_source__startswith=POLICY_PREFIX,
    ):
        scenario.rectification_period_source = (
            scenario.rectification_period_source.removeprefix(POLICY_PREFIX)
        )
        scenario.save(update_fields=["rectification_period_source"])
    Threshold = apps.get_model("catalog", "Threshold")
    for threshold in Threshold.objects.all():
        source = threshold.source
        if threshold.is_local_policy_default and source.startswith(POLICY_PREFIX):
            source = source.removeprefix(POLICY_PREFIX)
        source = source.replace(*UNCHECKED_DATE)
        if source != threshold.source:
            threshold.source = source
            threshold.save(update_fields=["source"])


def unword(apps, schema_editor) -> None:
    CatalogVersion = apps.get_model("catalog", "CatalogVersion")
    CatalogVersion.objects.filter(note=VERSION_NOTE[1]).update(note=VERSION_NOTE[0])
    Scenario = apps.get_model("catalog", "Scenario")
    for scenario in Scenario.objects.filter(
        rectification_period_is_local_policy_default=True
    ).exclude(rectification_period_source__startswith=POLICY_PREFIX):
        scenario.rectification_period_source = (
            POLICY_PREFIX + scenario.rectification_period_source
        )
        scenario.save(update_fields=["rectification_period_source"])
    Threshold = apps.get_model("catalog", "Threshold")
    for threshold in Threshold.objects.all():
        source = threshold.source.replace(UNCHECKED_DATE[1], UNCHECKED_DATE[0])
        if threshold.is_local_policy_default and not source.startswith(POLICY_PREFIX):
            source = POLICY_PREFIX + source
        if source != threshold.source:
            threshold.source = source
            threshold.save(update_fields=["source"])


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0005_version_1_resets_and_duty_check"),
    ]

    operations = [
        migrations.AlterField(
            model_name="threshold",
            name="parameter",
            field=models.CharField(
                choices=[
                    ("min", "lower limit"),
                    ("max", "upper limit"),
                    ("hold_minutes", "held for"),
                    ("silence_minutes", "silent for"),
                    ("window_minutes", "within"),
                    ("max_count", "most occurrences in the window"),
                    ("max_ratio_percent", "largest share (%)"),
                ],
                max_length=24,
            ),
        ),
        migrations.RunPython(reword, unword),
    ]
