"""Electronic service (LM-5): consent, channels, notices, the outbox, receipts.

A notice is decided once (`Notice`) and sent once per channel the unit
consented to (`OutboxMessage`); both rows are written in the transaction that
decides, so a crash between deciding and sending loses nothing.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from offsite.delivery import webhooks
from offsite.registry.validators import validate_printable


class Consent(models.Model):
    """One answer of a unit to the offer of electronic service; the latest counts.

    行政处罚法 Art. 61 allows electronic service only with the party's consent
    and a signed confirmation (确认书), so the text shown and its version are
    kept with the answer.
    """

    unit = models.ForeignKey(
        "registry.Unit", on_delete=models.PROTECT, related_name="consents"
    )
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        related_name="consents",
        help_text="The unit user who answered.",
    )
    consented = models.BooleanField()
    answered_at = models.DateTimeField()
    text = models.TextField(help_text="The confirmation (确认书) shown, verbatim.")
    text_version = models.CharField(max_length=32)

    class Meta:
        ordering = ["answered_at", "id"]
        indexes = [models.Index(fields=["unit", "answered_at"])]

    def __str__(self) -> str:
        answer = "consented" if self.consented else "declined"
        return f"unit {self.unit_id} {answer} at {self.answered_at:%Y-%m-%d %H:%M}"


class Channel(models.Model):
    """A service address of a unit: its in-platform inbox, an e-mail, a webhook.

    The webhook carries SMS and instant-messaging gateways (LM-5: mobile
    messages and instant messaging that confirm receipt). A webhook may not
    point at a loopback, private, link-local or reserved address unless
    `DELIVERY_WEBHOOK_ALLOW_PRIVATE` allows it (see `webhooks`).
    """

    class Kind(models.TextChoices):
        INBOX = "inbox", _("in-platform inbox")
        EMAIL = "email", _("e-mail")
        WEBHOOK = "webhook", _("webhook (SMS or instant messaging gateway)")

    class Source(models.TextChoices):
        PLATFORM = "platform", _("the platform itself")
        REGISTRATION = (
            "registration",
            _("filed in the enterprise registration platform"),
        )
        UNIT = "unit", _("given by the unit")
        AUTHORITY = "authority", _("entered by the authority")

    unit = models.ForeignKey(
        "registry.Unit", on_delete=models.PROTECT, related_name="channels"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    address = models.CharField(
        max_length=500,
        blank=True,
        help_text="The e-mail address or the webhook URL; empty for the inbox.",
    )
    source = models.CharField(
        max_length=16,
        choices=Source.choices,
        help_text="Where the address came from (LM-5: addresses filed in the "
        "enterprise registration platform count as service addresses).",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["unit", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "kind", "address"],
                name="channel_unique_address_per_unit",
                violation_error_message=_("address: the unit already has this channel"),
            ),
            models.CheckConstraint(
                condition=Q(kind="inbox", address="")
                | (~Q(kind="inbox") & ~Q(address="")),
                name="channel_address_matches_kind",
                violation_error_message=_(
                    "address: the inbox has no address; e-mail and webhook need one"
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.address}".strip()

    def clean(self) -> None:
        validate_printable(self.address, field="address")
        if self.kind == self.Kind.INBOX:
            if self.address:
                raise ValidationError({"address": "the inbox has no address"})
            return
        try:
            if self.kind == self.Kind.EMAIL:
                validate_email(self.address)
            elif self.kind == self.Kind.WEBHOOK:
                URLValidator(schemes=["http", "https"])(self.address)
        except ValidationError as error:
            raise ValidationError(
                {"address": f"{self.address!r} is not a valid {self.kind} address"}
            ) from error
        if self.kind == self.Kind.WEBHOOK:
            # Each send checks the address again: a name that resolves to a
            # public address today may resolve to a private one later.
            refused = webhooks.refusal(self.address)
            if refused:
                raise ValidationError({"address": refused})


class NoticeKind(models.TextChoices):
    IMMEDIATE_PROMPT = "immediate_prompt", _("immediate prompt")
    WARNING = "warning", _("warning")
    RECTIFICATION_ORDER = "rectification_order", _("rectification order")
    REVIEW_ANSWER = "review_answer", _("review answer")
    CLUE_NOTICE = "clue_notice", _("clue notice")
    STATION_NOTICE = "station_notice", _("fire station notice")


class Notice(models.Model):
    """A document or message the platform decided to serve on a unit."""

    unit = models.ForeignKey(
        "registry.Unit", on_delete=models.PROTECT, related_name="notices"
    )
    event = models.ForeignKey(
        "supervision.Event",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notices",
    )
    kind = models.CharField(max_length=24, choices=NoticeKind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField()
    document_number = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    electronic = models.BooleanField(
        help_text="Whether the unit had consented when the notice was decided."
    )

    # Proof of a different arrival date, recorded by the unit (LM-5).
    arrived_on = models.DateField(null=True, blank=True)
    arrival_proof = models.TextField(blank=True)
    arrival_recorded_by = models.ForeignKey(
        "registry.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    arrival_recorded_at = models.DateTimeField(null=True, blank=True)

    # Service by other means (in person, by post) where there is no consent.
    served_on = models.DateField(null=True, blank=True)
    service_method = models.CharField(max_length=100, blank=True)
    service_recorded_by = models.CharField(max_length=150, blank=True)
    service_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["unit", "created_at"])]

    def __str__(self) -> str:
        return f"notice {self.pk} {self.kind} to unit {self.unit_id}"


class OutboxMessage(models.Model):
    """One notice to send on one channel; the dispatcher claims and sends it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    notice = models.ForeignKey(
        Notice, on_delete=models.PROTECT, related_name="messages"
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="messages"
    )
    kind = models.CharField(
        max_length=16,
        choices=Channel.Kind.choices,
        help_text="The channel's kind when the notice was decided.",
    )
    address = models.CharField(
        max_length=500,
        blank=True,
        help_text="The channel's address when the notice was decided.",
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "channel"], name="outbox_one_message_per_channel"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "failed"]),
                name="outbox_due",
            ),
            models.Index(
                fields=["claimed_at"],
                condition=Q(status="sending"),
                name="outbox_claimed",
            ),
        ]

    def __str__(self) -> str:
        return f"notice {self.notice_id} via {self.kind}: {self.status}"


class Receipt(models.Model):
    """Evidence that a channel took a message: its answer or a later callback."""

    class Source(models.TextChoices):
        SEND = "send", _("answer to the send call")
        CALLBACK = "callback", _("receipt callback")

    message = models.ForeignKey(
        OutboxMessage, on_delete=models.PROTECT, related_name="receipts"
    )
    source = models.CharField(max_length=16, choices=Source.choices)
    received_at = models.DateTimeField()
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["received_at", "id"]

    def __str__(self) -> str:
        return f"receipt for message {self.message_id} ({self.source})"
