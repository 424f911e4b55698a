"""The supervision item list (IM-5) as versioned data.

Every number a regulation sets is a row with its value, its unit, its
source and the date it applies from (IM-22: a new scenario is data, not
code). Rows that rest on no regulation say so in `is_local_policy_default`.
"""

from __future__ import annotations

from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The observation name a silence rule uses to mean "anything from the device".
ANY_OBSERVATION = "*"

# Observations the platform notes itself about a device: the gateway's note
# that a link went silent or came back, and that it sent a roll-call. They
# are not data from the device, so "anything from the device" leaves them out.
PLATFORM_NOTES = ("offline", "duty_check_sent")


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
    authority = models.ForeignKey(
        "registry.Authority",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="catalog_scenarios",
        help_text=(
            "Empty for a city-wide scenario; a district's own scenario (IM-5) "
            "applies only to the units of that district."
        ),
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
    data_types = models.TextField(blank=True, help_text="数据类型 (IM-5).")
    data_formats = models.TextField(
        blank=True, help_text="数据格式与标准: formats and standards (IM-5)."
    )
    data_sources = models.TextField(blank=True, help_text="数据来源 (IM-5, IM-6).")
    method = models.TextField(blank=True, help_text="实施方式 (IM-5, IM-9).")
    supporting_system = models.CharField(
        max_length=200, blank=True, help_text="依托系统 (IM-5)."
    )
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

    def clean(self) -> None:
        """Refuse a scenario whose grade, family, procedure and period disagree."""
        errors: dict[str, str] = {}
        evaluation = (
            self.grade == self.Grade.EVALUATION,
            self.family == self.Family.EVALUATION,
            self.procedure == self.Procedure.NONE,
        )
        if any(evaluation) and not all(evaluation):
            # IM-12: evaluation information feeds the grading and is never sent.
            errors["grade"] = (
                "grade, family and procedure must all be evaluation/evaluation/"
                "none or none of them (IM-12)"
            )
        has_value = self.rectification_period_value is not None
        if has_value != bool(self.rectification_period_unit):
            errors["rectification_period_unit"] = (
                "rectification period needs both a value and a unit"
            )
        deadline_families = (self.Family.WARNING, self.Family.RECTIFICATION_ORDER)
        if self.family in deadline_families and not has_value:
            # LM-13 ¶2: the warning or order carries a time limit to fix it.
            errors["rectification_period_value"] = (
                f"family {self.family} needs a rectification period (LM-13 ¶2)"
            )
        if has_value and not self.rectification_period_source:
            errors["rectification_period_source"] = (
                "a rectification period must name its source"
            )
        if errors:
            raise ValidationError(errors)


class Rule(models.Model):
    """How data of one kind is judged for a scenario (DESIGN.md, rule kinds).

    What each kind means, the contract the evaluator in `monitoring` follows:

    - state: `observation_name` is a boolean observation; the value named by
      `breach_when` (True unless said otherwise) is a breach, the other normal.
    - state_held: the breach value held without a break for at least
      `hold_minutes` is a breach; the other value is normal.
    - numeric_range: a value below `min` or above `max` (either may be
      absent), held for `hold_minutes` if that is given, is a breach.
    - silence: no observation of that name (of any name when it is `*`) for
      `silence_minutes` is a breach; the next one is normal again.
    - count_in_window: more than `max_count` True observations from one point
      within `window_minutes` is a breach.
    - ratio: more than `max_ratio_percent` of a device's points with the state
      True is a breach.
    - registry_fact: a fact about the unit from submitted data, True/False or
      a number; judged like state, `breach_when` included.
    """

    class Kind(models.TextChoices):
        STATE = "state", _("state")
        STATE_HELD = "state_held", _("state held for a duration")
        NUMERIC_RANGE = "numeric_range", _("numeric range")
        SILENCE = "silence", _("silence")
        COUNT_IN_WINDOW = "count_in_window", _("count in a window")
        RATIO = "ratio", _("ratio")
        REGISTRY_FACT = "registry_fact", _("registry fact")
        RESET = "reset", _("reset of the device")

    scenario = models.ForeignKey(
        Scenario, on_delete=models.CASCADE, related_name="rules"
    )
    code = models.SlugField(max_length=64)
    kind = models.CharField(max_length=16, choices=Kind.choices)

    class BreachWhen(models.TextChoices):
        TRUE = "true", _("the observation is true")
        FALSE = "false", _("the observation is false")

    observation_name = models.CharField(
        max_length=48,
        help_text=(
            "The observation this rule reads: a state name or a quantity; "
            "'*' (silence only) means any observation of the device."
        ),
    )
    breach_when = models.CharField(
        max_length=5,
        choices=BreachWhen.choices,
        default=BreachWhen.TRUE,
        help_text=(
            "For state, state_held and registry_fact rules: which boolean value "
            "is the breach. 'false' suits facts whose absence is the problem, "
            "e.g. emergency_plan_on_file."
        ),
    )
    silence_starts_after = models.CharField(
        max_length=48,
        blank=True,
        help_text=(
            "For silence rules: count the silence from the last observation of "
            "this name (e.g. duty_check_sent), and judge only while none of the "
            "rule's observation has arrived since."
        ),
    )
    basis = models.CharField(
        max_length=300,
        blank=True,
        help_text="The standard or article the rule applies.",
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

    def clean(self) -> None:
        """Refuse a rule whose observation or breach value its kind cannot use."""
        errors: dict[str, str] = {}
        if self.observation_name == ANY_OBSERVATION and self.kind != self.Kind.SILENCE:
            errors["observation_name"] = (
                f"'*' is only for silence rules, not for kind {self.kind}"
            )
        if (
            self.breach_when == self.BreachWhen.FALSE
            and self.kind not in KINDS_WITH_BREACH_WHEN
        ):
            errors["breach_when"] = (
                f"breach_when=false applies to {', '.join(KINDS_WITH_BREACH_WHEN)} "
                f"rules, not to kind {self.kind}"
            )
        if self.silence_starts_after and self.kind != self.Kind.SILENCE:
            errors["silence_starts_after"] = (
                f"silence_starts_after is only for silence rules, not for kind "
                f"{self.kind}"
            )
        if errors:
            raise ValidationError(errors)


class Threshold(models.Model):
    """One regulatory or policy number a rule applies, with its source."""

    class Parameter(models.TextChoices):
        MIN = "min", _("lower limit")
        MAX = "max", _("upper limit")
        HOLD_MINUTES = "hold_minutes", _("held for")
        SILENCE_MINUTES = "silence_minutes", _("silent for")
        WINDOW_MINUTES = "window_minutes", _("within")
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

    def clean(self) -> None:
        """Refuse a parameter the rule's kind does not read, or a value out of range."""
        try:
            rule = self.rule
        except Rule.DoesNotExist:
            raise ValidationError({"rule": "a threshold belongs to a rule"}) from None
        allowed = RULE_PARAMETERS[rule.kind]
        if self.parameter not in allowed.required | allowed.optional:
            raise ValidationError(
                {
                    "parameter": (
                        f"rule {rule.code} of kind {rule.kind} reads no "
                        f"{self.parameter}; it reads "
                        f"{', '.join(sorted(allowed.required | allowed.optional))}"
                    )
                }
            )
        if self.parameter in POSITIVE_PARAMETERS and self.value <= 0:
            raise ValidationError({"value": f"{self.parameter} must be greater than 0"})
        if self.parameter == self.Parameter.MAX_RATIO_PERCENT and not (
            0 <= self.value <= 100
        ):
            raise ValidationError(
                {"value": "max_ratio_percent must lie between 0 and 100"}
            )
        if self.parameter == self.Parameter.MAX_COUNT and self.value < 0:
            raise ValidationError({"value": "max_count must not be negative"})
        if not self.source:
            raise ValidationError(
                {"source": "every threshold names its standard or article"}
            )
        if self.parameter in POSITIVE_PARAMETERS and self.value < 1:
            raise ValidationError({"value": f"{self.parameter} is at least 1 minute"})
        if self.effective_from is not None:
            self._check_date(rule)
            self._check_bounds(rule)

    def _check_date(self, rule: Rule) -> None:
        """A published rule changes only from a date to come, after its rows."""
        if self.effective_from.year < 2000:
            raise ValidationError({"effective_from": "must be in 2000 or later"})
        if self.pk is not None or rule.scenario.version.published_at is None:
            return
        today = timezone.localdate()
        if self.effective_from < today:
            raise ValidationError(
                {
                    "effective_from": (
                        f"the rule is published: a new number applies from today "
                        f"({today.isoformat()}) or later, never to data already judged"
                    )
                }
            )
        latest = (
            Threshold.objects.filter(rule=rule, parameter=self.parameter)
            .order_by("-effective_from")
            .values_list("effective_from", flat=True)
            .first()
        )
        if latest is not None and self.effective_from <= latest:
            raise ValidationError(
                {
                    "effective_from": (
                        f"must be after {latest.isoformat()}, the date the "
                        f"current {self.parameter} applies from"
                    )
                }
            )

    def _check_bounds(self, rule: Rule) -> None:
        """Refuse a lower limit above the upper one in force on the same date."""
        other = {self.Parameter.MIN: self.Parameter.MAX}.get(self.parameter) or {
            self.Parameter.MAX: self.Parameter.MIN
        }.get(self.parameter)
        if other is None:
            return
        bound = (
            Threshold.objects.filter(
                rule=rule, parameter=other, effective_from__lte=self.effective_from
            )
            .exclude(pk=self.pk)
            .order_by("-effective_from")
            .first()
        )
        if bound is None:
            return
        low, high = (
            (self.value, bound.value)
            if self.parameter == self.Parameter.MIN
            else (bound.value, self.value)
        )
        if low >= high:
            raise ValidationError(
                {
                    "value": (
                        f"min {low} must be below max {high} in force from "
                        f"{bound.effective_from.isoformat()}"
                    )
                }
            )


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


class KindParameters(NamedTuple):
    """The threshold parameters a rule kind needs and may have."""

    required: frozenset[str]
    optional: frozenset[str]
    # At least one of these must be present (numeric_range: min or max).
    one_of: frozenset[str] = frozenset()


_P = Threshold.Parameter

# The contract between the catalog and the evaluator in `monitoring`.
RULE_PARAMETERS: dict[str, KindParameters] = {
    Rule.Kind.STATE: KindParameters(frozenset(), frozenset()),
    Rule.Kind.STATE_HELD: KindParameters(frozenset({_P.HOLD_MINUTES}), frozenset()),
    Rule.Kind.NUMERIC_RANGE: KindParameters(
        frozenset(),
        frozenset({_P.MIN, _P.MAX, _P.HOLD_MINUTES}),
        one_of=frozenset({_P.MIN, _P.MAX}),
    ),
    Rule.Kind.SILENCE: KindParameters(frozenset({_P.SILENCE_MINUTES}), frozenset()),
    Rule.Kind.COUNT_IN_WINDOW: KindParameters(
        frozenset({_P.WINDOW_MINUTES, _P.MAX_COUNT}), frozenset()
    ),
    Rule.Kind.RATIO: KindParameters(frozenset({_P.MAX_RATIO_PERCENT}), frozenset()),
    Rule.Kind.REGISTRY_FACT: KindParameters(frozenset(), frozenset()),
    # A reset (the controller's reset key, a reset status or printer line)
    # returns every breach of the rule's scenario on the device to normal.
    Rule.Kind.RESET: KindParameters(frozenset(), frozenset()),
}

KINDS_WITH_BREACH_WHEN = (
    Rule.Kind.STATE,
    Rule.Kind.STATE_HELD,
    Rule.Kind.REGISTRY_FACT,
)

POSITIVE_PARAMETERS = frozenset(
    {_P.HOLD_MINUTES, _P.SILENCE_MINUTES, _P.WINDOW_MINUTES}
)
