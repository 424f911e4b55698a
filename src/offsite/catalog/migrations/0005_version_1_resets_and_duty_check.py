"""Complete version 1 before its first use: resets and the duty-check clock.

- A reset of the fire-alarm controller (its reset key, the reset bit of a
  system status, or a parser card's reset line) clears its alarms: the
  fire-alarm scenario gets two reset rules, so an alarm that was handled
  ends its event.
- The duty-check silence counts from the moment the roll-call (GB/T
  26875.3 type 91) is sent, not from the last answer.
"""

from __future__ import annotations

from django.db import migrations

RESET_RULES = (
    ("controller_reset_key", "op_reset", "控制器复位操作：火警已处理，报警点恢复"),
    ("controller_reset_state", "reset", "控制器处于复位状态：火警已处理，报警点恢复"),
)
RESET_BASIS = "GB/T 26875.3-2011 图9、图6（复位）"


def load(apps, schema_editor) -> None:
    Scenario = apps.get_model("catalog", "Scenario")
    Rule = apps.get_model("catalog", "Rule")

    fire_alarm = Scenario.objects.get(version__number=1, code="fire_alarm")
    for code, observation_name, description in RESET_RULES:
        Rule.objects.create(
            scenario=fire_alarm,
            code=code,
            kind="reset",
            observation_name=observation_name,
            basis=RESET_BASIS,
            description=description,
        )
    Rule.objects.filter(
        scenario__version__number=1,
        scenario__code="control_room_duty",
        code="duty_check_unanswered",
    ).update(silence_starts_after="duty_check_sent")


def unload(apps, schema_editor) -> None:
    Rule = apps.get_model("catalog", "Rule")

    Rule.objects.filter(
        scenario__version__number=1, code__in=[code for code, _, _ in RESET_RULES]
    ).delete()
    Rule.objects.filter(
        scenario__version__number=1, code="duty_check_unanswered"
    ).update(silence_starts_after="")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_reset_rules_and_silence_start")]

    operations = [migrations.RunPython(load, unload)]
