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
