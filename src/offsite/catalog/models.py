"""The supervision item list (IM-5) as versioned data.

Every number a regulation sets is a row with its value, its unit, its
source and the date it applies from (IM-22: a new scenario is data, not
code). Rows that rest on no regulation say so in `is_local_policy_default`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodUnit(models.TextChoices):
    HOURS = "hours", _("hours")
    DAYS = "days", _("calendar days")
    WORKING_DAYS = "working_days", _("working days")


class CatalogVersion(models.Model):
    """One published edition of the item list; history is kept (IM-5)."""

    number = models.PositiveIntegerField(unique=True)
    note = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"v{self.number}"


class Scenario(models.Model):
    """One supervised matter (应用场景) of LM-13 or IM-12."""

    class Grade(models.TextChoices):
        EVALUATION = "evaluation", _("evaluation information")
        WARNING = "warning", _("warning information")
        DISPOSAL = "disposal", _("disposal information")

    class Family(models.TextChoices):
        CLUE_ON_WARNING = "clue_on_warning", _("warning forms a clue (LM-13 ¶1)")
        WARNING = "warning", _("warning with a deadline (LM-13 ¶2)")
        RECTIFICATION_ORDER = (
            "rectification_order",
            _("rectification order with a deadline (LM-13 ¶2)"),
        )
        EVALUATION = "evaluation", _("evaluation only (IM-12)")

    class Procedure(models.TextChoices):
        IMMEDIATE_PROMPT = "immediate_prompt", _("immediate prompt")
        WARNING = "warning", _("warning")
        RECTIFICATION_ORDER = "rectification_order", _("rectification order")
        ONSITE_VERIFICATION = "onsite_verification", _("on-site verification")
        NONE = "none", _("no response (evaluation)")

    version = models.ForeignKey(
        CatalogVersion, on_delete=models.PROTECT, related_name="scenarios"
    )
    code = models.SlugField(max_length=48)
    name = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)
    grade = models.CharField(max_length=16, choices=Grade.choices)
    family = models.CharField(max_length=24, choices=Family.choices)
    procedure = models.CharField(max_length=24, choices=Procedure.choices)
    requires_confirmation = models.BooleanField(
        default=True,
        help_text="A qualified officer must confirm before the unit is told (IM-15).",
    )
    urgent = models.BooleanField(
        default=False,
        help_text="Prompt the unit at once and skip the review queue (LM-12).",
    )
    rectification_period_value = models.PositiveIntegerField(null=True, blank=True)
    rectification_period_unit = models.CharField(
        max_length=16, choices=PeriodUnit.choices, blank=True
    )
    rectification_period_source = models.CharField(max_length=300, blank=True)
    rectification_period_is_local_policy_default = models.BooleanField(default=False)
    legal_basis = models.TextField(blank=True)
    data_types = models.TextField(blank=True)
    data_sources = models.TextField(blank=True)
    method = models.TextField(blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["version", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "code"], name="scenario_unique_code_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.version})"


class Rule(models.Model):
    """How data of one kind is judged for a scenario (DESIGN.md, rule kinds)."""

    class Kind(models.TextChoices):
        STATE = "state", _("state")
        STATE_HELD = "state_held", _("state held for a duration")
        NUMERIC_RANGE = "numeric_range", _("numeric range")
        SILENCE = "silence", _("silence")
        COUNT_IN_WINDOW = "count_in_window", _("count in a window")
        RATIO = "ratio", _("ratio")
        REGISTRY_FACT = "registry_fact", _("registry fact")

    scenario = models.ForeignKey(
        Scenario, on_delete=models.CASCADE, related_name="rules"
    )
    code = models.SlugField(max_length=64)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    observation_name = models.CharField(
        max_length=48,
        help_text="The observation this rule reads: a state name or a quantity.",
    )
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scenario", "code"], name="rule_unique_code_per_scenario"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scenario.code}/{self.code}"


class Threshold(models.Model):
    """One regulatory or policy number a rule applies, with its source."""

    class Parameter(models.TextChoices):
        MIN = "min", _("lower limit")
        MAX = "max", _("upper limit")
        HOLD_MINUTES = "hold_minutes", _("held for (minutes)")
        SILENCE_MINUTES = "silence_minutes", _("silent for (minutes)")
        WINDOW_MINUTES = "window_minutes", _("window (minutes)")
        MAX_COUNT = "max_count", _("most occurrences in the window")
        MAX_RATIO_PERCENT = "max_ratio_percent", _("largest share (%)")

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="thresholds")
    parameter = models.CharField(max_length=24, choices=Parameter.choices)
    value = models.DecimalField(max_digits=14, decimal_places=4)
    unit = models.CharField(max_length=16)
    source = models.CharField(max_length=300)
    confidence = models.CharField(
        max_length=8,
        blank=True,
        help_text="[C] confirmed, [C-3p] third-party, [R] recalled, [I] inferred.",
    )
    is_local_policy_default = models.BooleanField(default=False)
    effective_from = models.DateField()

    class Meta:
        ordering = ["rule", "parameter", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "parameter", "effective_from"],
                name="threshold_unique_per_rule_parameter_date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.parameter}={self.value} {self.unit}"


class LegalPeriod(models.Model):
    """A period the rules set for the authority or the unit (LM-12..14)."""

    code = models.SlugField(max_length=64)
    name = models.CharField(max_length=100)
    value = models.PositiveIntegerField()
    unit = models.CharField(max_length=16, choices=PeriodUnit.choices)
    source = models.CharField(max_length=300)
    is_local_policy_default = models.BooleanField(default=False)
    effective_from = models.DateField()

    class Meta:
        ordering = ["code", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "effective_from"],
                name="legal_period_unique_per_date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.value} {self.unit}"
