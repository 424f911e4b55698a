"""Raw records exactly as received (IM-7) and the observations read from them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RawRecord(models.Model):
    """Bytes as received, hashed; rejected ones are kept with the reason."""

    class Source(models.TextChoices):
        GB26875_TCP = "gb26875_tcp", _("GB/T 26875.3 over TCP")
        REPLAY = "replay", _("capture file replay")
        HTTP = "http", _("HTTP API")
        MQTT = "mqtt", _("MQTT")

    class Status(models.TextChoices):
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected")

    source = models.CharField(max_length=16, choices=Source.choices)
    origin = models.CharField(
        max_length=300, blank=True, help_text="Peer address, file and line, or key."
    )
    received_at = models.DateTimeField(db_index=True)
    payload = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    dedup_key = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices)
    reject_reason = models.TextField(blank=True)
    device = models.ForeignKey(
        "registry.Device",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="raw_records",
    )
    processed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When its observations were written and evaluated.",
    )

    class Meta:
        indexes = [
            models.Index(fields=["device", "received_at"]),
            models.Index(
                fields=["received_at"],
                condition=models.Q(status="accepted", processed_at__isnull=True),
                name="raw_record_unprocessed",
            ),
        ]

    def __str__(self) -> str:
        return f"raw {self.pk} {self.source} {self.status}"


class Observation(models.Model):
    """One canonical fact read from a raw record: a state, a value, a sign of life."""

    raw_record = models.ForeignKey(
        RawRecord, on_delete=models.PROTECT, related_name="observations"
    )
    device = models.ForeignKey(
        "registry.Device", on_delete=models.PROTECT, related_name="observations"
    )
    point = models.ForeignKey(
        "registry.Point",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="observations",
    )
    name = models.CharField(max_length=48)
    value_bool = models.BooleanField(null=True, blank=True)
    value_number = models.FloatField(null=True, blank=True)
    value_text = models.CharField(max_length=300, blank=True)
    observed_at = models.DateTimeField()
    received_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["device", "name", "observed_at"]),
            models.Index(fields=["point", "name", "observed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.name}={self.value}"

    @property
    def value(self) -> bool | float | str:
        if self.value_bool is not None:
            return self.value_bool
        if self.value_number is not None:
            return self.value_number
        return self.value_text


class GatewayCommand(models.Model):
    """A roll-call or clock sync an operator asked a gateway to send a device.

    Any process may request one; the gateway the device is connected to
    claims it with a conditional update (`sent_at` still empty), so it is
    sent once even when several gateways share the database.
    """

    class Kind(models.TextChoices):
        # GB/T 26875.3 table 3: type 91 查岗命令, type 90 同步用户信息传输装置时钟.
        ROLL_CALL = "roll_call", _("duty roll-call (type 91)")
        CLOCK_SYNC = "clock_sync", _("clock sync (type 90)")

    class Answer(models.TextChoices):
        DUTY_CHECK_ANSWER = "duty_check_answer", _("duty check answered (type 24)")
        CONFIRMED = "confirmed", _("confirmed (command 3)")
        DENIED = "denied", _("denied (command 6)")

    device = models.ForeignKey(
        "registry.Device", on_delete=models.PROTECT, related_name="gateway_commands"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    timeout_minutes = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Roll-call only: minutes the duty officer has to answer (fig. 46).",
    )
    requested_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.CharField(
        max_length=120, blank=True, help_text="The gateway that sent it."
    )
    serial = models.PositiveIntegerField(
        null=True, blank=True, help_text="Serial of the frame sent (table 1)."
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.CharField(max_length=24, choices=Answer.choices, blank=True)
    answer_record = models.ForeignKey(
        RawRecord,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="answered_commands",
    )

    class Meta:
        indexes = [
            models.Index(
                fields=["device", "requested_at"],
                condition=models.Q(sent_at__isnull=True),
                name="gateway_command_unsent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} device {self.device_id}"


class DuplicateCount(models.Model):
    """How many records arrived again and were not stored twice, per day.

    A duplicate leaves no row of its own, so it is counted here for
    `offsite intake stats`; the day is Beijing's.
    """

    source = models.CharField(max_length=16, choices=RawRecord.Source.choices)
    day = models.DateField()
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "day"], name="duplicate_count_source_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.day}: {self.count}"
