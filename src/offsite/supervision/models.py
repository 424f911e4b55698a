"""Events: one supervised problem of one unit, and every step it took."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class EventState(models.TextChoices):
    DETECTED = "detected", _("detected")
    AWAITING_REVIEW = "awaiting_review", _("awaiting review")
    DISMISSED = "dismissed", _("dismissed")
    CONFIRMED = "confirmed", _("confirmed")
    WARNED = "warned", _("warned")
    ORDERED = "ordered", _("ordered")
    ENDED = "ended", _("ended")
    OVERDUE = "overdue", _("overdue")
    CLUE = "clue", _("clue")
    ASSIGNED = "assigned", _("assigned")
    INVESTIGATING = "investigating", _("investigating")
    REPORTED = "reported", _("reported")
    CLOSED = "closed", _("closed")
    CASE_FILED = "case_filed", _("case filed")


FINAL_STATES = (
    EventState.DISMISSED,
    EventState.ENDED,
    EventState.CLOSED,
    EventState.CASE_FILED,
)


class Event(models.Model):
    """At most one open event per (unit, scenario, subject)."""

    unit = models.ForeignKey(
        "registry.Unit", on_delete=models.PROTECT, related_name="events"
    )
    scenario = models.ForeignKey(
        "catalog.Scenario", on_delete=models.PROTECT, related_name="events"
    )
    subject = models.CharField(max_length=128)
    state = models.CharField(
        max_length=16, choices=EventState.choices, default=EventState.DETECTED
    )
    data_created_at = models.DateTimeField(
        help_text="When the platform received the data that raised the event."
    )
    observed_at = models.DateTimeField(
        help_text="When the first breach happened, by the device's clock."
    )
    opened_at = models.DateTimeField()
    state_changed_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    due_is_provisional = models.BooleanField(default=False)
    normal_since = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "scenario", "subject"],
                condition=~Q(state__in=[s.value for s in FINAL_STATES]),
                name="event_one_open_per_subject",
            )
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=Q(due_at__isnull=False),
                name="event_due_at",
            ),
            models.Index(fields=["state"]),
        ]

    def __str__(self) -> str:
        return f"event {self.pk} {self.scenario.code} {self.subject} {self.state}"

    @property
    def is_open(self) -> bool:
        return self.state not in FINAL_STATES


class EventFinding(models.Model):
    """A finding attached to an event: the first one, or a repeat breach."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="links")
    finding = models.OneToOneField(
        "monitoring.Finding", on_delete=models.PROTECT, related_name="event_link"
    )
    attached_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"event {self.event_id} ← finding {self.finding_id}"


class Transition(models.Model):
    """One step of an event's lifecycle, written only by `services.transition`."""

    event = models.ForeignKey(
        Event, on_delete=models.PROTECT, related_name="transitions"
    )
    from_state = models.CharField(max_length=16, choices=EventState.choices)
    to_state = models.CharField(max_length=16, choices=EventState.choices)
    actor = models.CharField(max_length=150)
    person = models.ForeignKey(
        "registry.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="event_transitions",
        help_text="The person who made the move; empty for the system (IM-18).",
    )
    at = models.DateTimeField()
    reason = models.CharField(max_length=300, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.from_state} → {self.to_state}"


class Prompt(models.Model):
    """A notice to a unit decided by the platform (LM-12: prompt at once).

    Delivery through channels and receipts belongs to `delivery`; this row
    records that the notice was decided, when, and for which event.
    """

    class Kind(models.TextChoices):
        IMMEDIATE_PROMPT = "immediate_prompt", _("immediate prompt")
        WARNING = "warning", _("warning")
        RECTIFICATION_ORDER = "rectification_order", _("rectification order")

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="prompts")
    unit = models.ForeignKey(
        "registry.Unit", on_delete=models.PROTECT, related_name="prompts"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    created_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    text = models.TextField()

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.kind} to unit {self.unit_id} for event {self.event_id}"
