"""Check results (off-site inspection records) and the findings they raise."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CheckResult(models.Model):
    """One evaluation of one rule: breach, normal or unknown (LM-11)."""

    class Outcome(models.TextChoices):
        BREACH = "breach", _("breach")
        NORMAL = "normal", _("normal")
        UNKNOWN = "unknown", _("unknown (unqualified)")

    rule = models.ForeignKey(
        "catalog.Rule", on_delete=models.PROTECT, related_name="check_results"
    )
    unit = models.ForeignKey(
        "registry.Unit", on_delete=models.PROTECT, related_name="check_results"
    )
    device = models.ForeignKey(
        "registry.Device",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="check_results",
    )
    point = models.ForeignKey(
        "registry.Point",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="check_results",
    )
    subject = models.CharField(max_length=128)
    observation = models.ForeignKey(
        "intake.Observation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="check_results",
    )
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    observed_at = models.DateTimeField(
        help_text="The time the data describes; evaluation uses it."
    )
    received_at = models.DateTimeField(
        help_text="The time the platform received the data; deadlines use it."
    )
    evaluated_at = models.DateTimeField()
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["unit", "rule", "subject", "observed_at"])]

    def __str__(self) -> str:
        return f"{self.rule} {self.subject} {self.outcome}"


class Finding(models.Model):
    """A breach or unknown result that supervision must act on."""

    check_result = models.OneToOneField(
        CheckResult, on_delete=models.PROTECT, related_name="finding"
    )
    scenario = models.ForeignKey(
        "catalog.Scenario", on_delete=models.PROTECT, related_name="findings"
    )
    unit = models.ForeignKey(
        "registry.Unit", on_delete=models.PROTECT, related_name="findings"
    )
    subject = models.CharField(max_length=128)
    outcome = models.CharField(max_length=8, choices=CheckResult.Outcome.choices)
    observed_at = models.DateTimeField()
    received_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"finding {self.pk} {self.scenario.code} {self.subject}"
