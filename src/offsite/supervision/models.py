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
    owner = models.ForeignKey(
        "registry.Authority",
        on_delete=models.PROTECT,
        related_name="owned_events",
        help_text="The authority that handles the event: the unit's district "
        "when it opens; the city or a designated district after LM-15.",
    )
    assignee = models.ForeignKey(
        "registry.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_events",
        help_text="The officer a clue is assigned to (LM-13, IM-16).",
    )
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
    document_number = models.CharField(
        max_length=64,
        blank=True,
        help_text="The number of a rectification order (责令限期改正通知书).",
    )

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["document_number"],
                condition=~Q(document_number=""),
                name="prompt_unique_document_number",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} to unit {self.unit_id} for event {self.event_id}"


class DocumentCounter(models.Model):
    """The last document number an authority issued in a year."""

    authority = models.ForeignKey(
        "registry.Authority", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "year"], name="document_counter_one_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.authority_id} {self.year}: {self.last_number}"


class UnitAnswer(models.Model):
    """What a unit says it did about a warning or an order, with its evidence."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="answers")
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    text = models.TextField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"answer {self.pk} to event {self.event_id}"


class EvidenceFile(models.Model):
    """One file a unit attached to an answer, kept with its SHA-256."""

    answer = models.ForeignKey(
        UnitAnswer, on_delete=models.PROTECT, related_name="files"
    )
    name = models.CharField(max_length=200, help_text="The name the unit gave it.")
    path = models.CharField(max_length=300, help_text="Where the storage keeps it.")
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.size_bytes} bytes)"


class ReviewRequest(models.Model):
    """A unit's request for review of a warning or an order (LM-14)."""

    class State(models.TextChoices):
        OPEN = "open", _("open")
        UPHELD = "upheld", _("upheld")
        REFUSED = "refused", _("refused")

    event = models.ForeignKey(
        Event, on_delete=models.PROTECT, related_name="review_requests"
    )
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField()
    statement = models.TextField()
    served_on = models.DateField(
        null=True,
        blank=True,
        help_text="The service date of the warning or order the window ran from.",
    )
    window_ends_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(help_text="When the authority must answer.")
    due_is_provisional = models.BooleanField(default=False)
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        "registry.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["filed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event"],
                condition=Q(state="open"),
                name="review_request_one_open_per_event",
                violation_error_message=_(
                    "event: a review request for this event is already open"
                ),
            )
        ]
        indexes = [
            models.Index(
                fields=["due_at"], condition=Q(state="open"), name="review_open_due"
            )
        ]

    def __str__(self) -> str:
        return f"review request {self.pk} on event {self.event_id} {self.state}"


class Report(models.Model):
    """The one report on a clue (IM-16: one piece of information, one report)."""

    class Outcome(models.TextChoices):
        RECTIFICATION_VERIFIED = (
            "rectification_verified",
            _("rectification verified on site"),
        )
        VIOLATION_FOUND = "violation_found", _("violation found: a case is due")

    event = models.OneToOneField(Event, on_delete=models.PROTECT, related_name="report")
    officer = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    text = models.TextField()
    outcome = models.CharField(max_length=24, choices=Outcome.choices)

    def __str__(self) -> str:
        return f"report on event {self.event_id}: {self.outcome}"


class OwnerChange(models.Model):
    """The city taking a clue over or designating a district (LM-15)."""

    class Kind(models.TextChoices):
        TAKE_OVER = "take_over", _("taken over by the city")
        DESIGNATE = "designate", _("designated to another district")

    event = models.ForeignKey(
        Event, on_delete=models.PROTECT, related_name="owner_changes"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    from_authority = models.ForeignKey(
        "registry.Authority", on_delete=models.PROTECT, related_name="+"
    )
    to_authority = models.ForeignKey(
        "registry.Authority", on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return (
            f"event {self.event_id}: {self.from_authority_id} → {self.to_authority_id}"
        )


class AuthorityNotice(models.Model):
    """A notice between authorities, kept in the platform (LM-15, LM-16).

    Electronic service (`delivery`) serves legal documents on units; what one
    authority tells another is not served on a party, so it stays here.
    """

    class Kind(models.TextChoices):
        CLUE_NOTICE = "clue_notice", _("clue notice (LM-15)")
        STATION_NOTICE = "station_notice", _("fire station notice (LM-16)")

    event = models.ForeignKey(
        Event, on_delete=models.PROTECT, related_name="authority_notices"
    )
    authority = models.ForeignKey(
        "registry.Authority", on_delete=models.PROTECT, related_name="notices_in"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    text = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} to {self.authority_id} about event {self.event_id}"
