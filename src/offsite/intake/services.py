"""Keep what arrives, read it into observations, and hand it on.

Every adapter (replay, HTTP, and later the TCP gateway and MQTT) goes through
`receive_gb26875` or `receive_observation_batch`: the raw bytes are stored
first, in their own transaction, so that nothing acknowledged can be lost if
reading them fails later (IM-7); then they are read into observations and
evaluated, and the results go to supervision.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from offsite.intake.models import Observation, RawRecord
from offsite.monitoring import services as monitoring
from offsite.protocols import gb26875
from offsite.registry import queries as registry_queries
from offsite.registry import services as registry
from offsite.registry.models import Device, Unit
from offsite.supervision import services as supervision

logger = logging.getLogger(__name__)

BEIJING = ZoneInfo("Asia/Shanghai")


@dataclass
class Receipt:
    """What became of one received record."""

    raw_record: RawRecord | None
    status: str  # "accepted", "rejected" or "duplicate"
    reason: str = ""
    frame: gb26875.Frame | gb26875.VendorHeartbeat | None = None
    observations: int = 0
    check_results: int = 0
    events_opened: Counter[str] = field(default_factory=Counter)
    events_ended: Counter[str] = field(default_factory=Counter)


def receive_gb26875(
    data: bytes,
    *,
    source: str,
    origin: str,
    received_at: datetime | None = None,
    register_unit: Unit | None = None,
) -> Receipt:
    """Store one GB/T 26875.3 frame, then read and evaluate it."""
    receipt = store_gb26875(
        data,
        source=source,
        origin=origin,
        received_at=received_at,
        register_unit=register_unit,
    )
    if receipt.status == "accepted":
        process_gb26875(receipt)
    return receipt


def store_gb26875(
    data: bytes,
    *,
    source: str,
    origin: str,
    received_at: datetime | None = None,
    register_unit: Unit | None = None,
) -> Receipt:
    """Store one GB/T 26875.3 frame durably; read nothing yet.

    When this returns, the bytes are committed: a gateway may acknowledge
    the frame, then call `process_gb26875`. The frame is identified by its
    device and bytes: the same frame from the same device again (a
    retransmission, a second replay) is a duplicate and is not stored twice.
    A frame from an unknown source address is kept but rejected, unless
    `register_unit` is given, in which case the device is registered to that
    unit first. Rejected frames from a known device are judged unknown at
    once (LM-11).
    """
    received_at = received_at or timezone.now()
    try:
        frame = gb26875.decode(data)
    except gb26875.FrameError as error:
        return _store_rejected(
            data,
            source=source,
            origin=origin,
            received_at=received_at,
            reason=str(error),
            device=_device_of_unreadable(data),
        )

    device = registry_queries.device_by_source_address(frame.source_hex)
    if device is None and register_unit is not None:
        device = _register_device(frame.source_hex, register_unit)
    if device is None:
        return _store_rejected(
            data,
            source=source,
            origin=origin,
            received_at=received_at,
            reason=(
                f"source_address: no device is registered with address "
                f"{frame.source_hex}"
            ),
            device=None,
            dedup_identity=f"unknown-device|{frame.source_hex}",
        )

    # The vendor heartbeat carries no serial and no time: its bytes repeat
    # on purpose, so each one is kept as a sign of life, not a duplicate.
    identity = f"device|{device.pk}"
    if isinstance(frame, gb26875.VendorHeartbeat):
        identity += f"|{received_at.isoformat()}"
    raw = _store(
        data,
        source=source,
        origin=origin,
        received_at=received_at,
        status=RawRecord.Status.ACCEPTED,
        device=device,
        dedup_key=_dedup_key(identity, data),
    )
    if raw is None:
        return Receipt(raw_record=None, status="duplicate", frame=frame)
    return Receipt(raw_record=raw, status="accepted", frame=frame)


def process_gb26875(receipt: Receipt) -> Receipt:
    """Read a stored frame into observations, judge them, hand them on."""
    raw, frame = receipt.raw_record, receipt.frame
    facts = gb26875.facts(frame)
    header_time = getattr(getattr(frame, "header", None), "sent_at", None)
    with transaction.atomic():
        observations = []
        for fact in facts:
            point = None
            if fact.point is not None:
                point = registry.ensure_point(
                    device=raw.device,
                    code=fact.point.code,
                    name=fact.point.name,
                    system_type=fact.point.system_type,
                    system_address=fact.point.system_address,
                    component_type=fact.point.component_type,
                    component_address=fact.point.component_address,
                )
            observations.append(
                _observation(
                    raw,
                    point=point,
                    name=fact.name,
                    value=fact.value,
                    observed_at=_device_time(fact.observed_at or header_time)
                    or raw.received_at,
                )
            )
        _finish(raw, observations, receipt)
    return receipt


def _finish(raw: RawRecord, observations: list[Observation], receipt: Receipt) -> None:
    """Write observations, evaluate them and hand the results on."""
    Observation.objects.bulk_create(observations)
    results = monitoring.evaluate(observations, at=raw.received_at)
    taken = supervision.take_results(results, at=raw.received_at)
    RawRecord.objects.filter(pk=raw.pk).update(processed_at=timezone.now())

    receipt.observations = len(observations)
    receipt.check_results = len(results)
    receipt.events_opened.update(e.scenario.code for e in taken.opened)
    receipt.events_ended.update(e.scenario.code for e in taken.ended)


def _observation(
    raw: RawRecord,
    *,
    point,
    name: str,
    value: bool | float | int | str,
    observed_at: datetime,
) -> Observation:
    observation = Observation(
        raw_record=raw,
        device=raw.device,
        point=point,
        name=name,
        observed_at=observed_at,
        received_at=raw.received_at,
    )
    if isinstance(value, bool):
        observation.value_bool = value
    elif isinstance(value, int | float):
        observation.value_number = float(value)
    else:
        observation.value_text = str(value)[:300]
    return observation


def _device_time(value: datetime | None) -> datetime | None:
    """Read a device's clock: GB/T 26875.3 time labels are Beijing time."""
    if value is None:
        return None
    if timezone.is_aware(value):
        return value
    return value.replace(tzinfo=BEIJING)


def _register_device(source_hex: str, unit: Unit) -> Device:
    logger.info("device registered address=%s unit=%s", source_hex, unit.pk)
    try:
        return registry.register_device(
            unit=unit,
            source_address=source_hex,
            kind=Device.Kind.TRANSMISSION,
            name=f"UITD {source_hex}",
        )
    except (IntegrityError, ValidationError):
        # Another process registered it between our lookup and insert.
        device = registry_queries.device_by_source_address(source_hex)
        if device is None:
            raise
        return device


def _device_of_unreadable(data: bytes) -> Device | None:
    """Find the device of a rejected frame when its address bytes are whole."""
    if len(data) >= 18 and data[:2] == b"@@":
        address = int.from_bytes(data[12:18], "little")
        return registry_queries.device_by_source_address(f"{address:012x}")
    return None


def _store_rejected(
    data: bytes,
    *,
    source: str,
    origin: str,
    received_at: datetime,
    reason: str,
    device: Device | None,
    dedup_identity: str = "rejected",
) -> Receipt:
    raw = _store(
        data,
        source=source,
        origin=origin,
        received_at=received_at,
        status=RawRecord.Status.REJECTED,
        device=device,
        reason=reason,
        dedup_key=_dedup_key(dedup_identity, data),
    )
    if raw is None:
        return Receipt(raw_record=None, status="duplicate", reason=reason)
    logger.warning("raw record rejected raw=%s origin=%s: %s", raw.pk, origin, reason)
    receipt = Receipt(raw_record=raw, status="rejected", reason=reason)
    if device is not None:
        # LM-11: data that cannot be read is unqualified, never a pass.
        results = monitoring.record_unreadable(device=device, raw_record=raw)
        taken = supervision.take_results(results, at=received_at)
        receipt.check_results = len(results)
        receipt.events_opened.update(e.scenario.code for e in taken.opened)
    return receipt


def _store(
    data: bytes,
    *,
    source: str,
    origin: str,
    received_at: datetime,
    status: str,
    device: Device | None,
    dedup_key: str,
    reason: str = "",
) -> RawRecord | None:
    """Insert a raw record in its own transaction; None if it is a duplicate."""
    try:
        with transaction.atomic():
            return RawRecord.objects.create(
                source=source,
                origin=origin[:300],
                received_at=received_at,
                payload=bytes(data),
                sha256=hashlib.sha256(data).hexdigest(),
                dedup_key=dedup_key,
                status=status,
                reject_reason=reason,
                device=device,
            )
    except IntegrityError:
        if RawRecord.objects.filter(dedup_key=dedup_key).exists():
            return None
        raise


def _dedup_key(identity: str, data: bytes) -> str:
    return hashlib.sha256(identity.encode() + b"\x00" + data).hexdigest()


@dataclass(frozen=True)
class CanonicalObservation:
    """One observation in the canonical JSON form, already validated."""

    device: Device
    point_code: str | None
    name: str
    value: bool | float | str
    observed_at: datetime


def receive_observation_batch(
    body: bytes,
    *,
    provider_slug: str,
    items: Sequence[CanonicalObservation],
    source: str,
    origin: str,
    received_at: datetime | None = None,
) -> Receipt:
    """Store a validated batch of canonical observations as one raw record.

    The record and its observations are written in one transaction: the
    caller answers only after both are committed, so a failure leaves
    nothing and the provider's retry is not mistaken for a duplicate.
    """
    with transaction.atomic():
        return _receive_batch(
            body,
            provider_slug=provider_slug,
            items=items,
            source=source,
            origin=origin,
            received_at=received_at or timezone.now(),
        )


def _receive_batch(
    body: bytes,
    *,
    provider_slug: str,
    items: Sequence[CanonicalObservation],
    source: str,
    origin: str,
    received_at: datetime,
) -> Receipt:
    raw = _store(
        body,
        source=source,
        origin=origin,
        received_at=received_at,
        status=RawRecord.Status.ACCEPTED,
        device=items[0].device if len({i.device.pk for i in items}) == 1 else None,
        dedup_key=_dedup_key(f"provider|{provider_slug}", body),
    )
    if raw is None:
        return Receipt(raw_record=None, status="duplicate")

    receipt = Receipt(raw_record=raw, status="accepted")
    observations = []
    for item in items:
        point = None
        if item.point_code:
            point = registry.ensure_point(device=item.device, code=item.point_code)
        observation = _observation(
            raw,
            point=point,
            name=item.name,
            value=item.value,
            observed_at=item.observed_at,
        )
        observation.device = item.device
        observations.append(observation)
    _finish(raw, observations, receipt)
    return receipt


def reject_batch(
    body: bytes,
    *,
    provider_slug: str,
    reason: str,
    source: str,
    origin: str,
    received_at: datetime | None = None,
) -> RawRecord | None:
    """Keep a refused batch, marked rejected with the reason."""
    received_at = received_at or timezone.now()
    return _store(
        body,
        source=source,
        origin=origin,
        received_at=received_at,
        status=RawRecord.Status.REJECTED,
        device=None,
        reason=reason,
        dedup_key=_dedup_key(f"provider-rejected|{provider_slug}", body),
    )


def reject_text(
    data: bytes,
    *,
    source: str,
    origin: str,
    reason: str,
    received_at: datetime | None = None,
) -> Receipt:
    """Keep input that is not even a frame (a capture line that is not hex)."""
    return _store_rejected(
        data,
        source=source,
        origin=origin,
        received_at=received_at or timezone.now(),
        reason=reason,
        device=None,
        dedup_identity="not-a-frame",
    )


def process_pending(*, limit: int = 500) -> int:
    """Read GB/T 26875.3 frames that were stored but never read.

    A process that stops between storing a frame and reading it (a crash, a
    kill) leaves the frame stored and acknowledged; this picks it up again.
    Returns how many frames were read.
    """
    pending = RawRecord.objects.filter(
        status=RawRecord.Status.ACCEPTED,
        processed_at__isnull=True,
        source__in=[RawRecord.Source.GB26875_TCP, RawRecord.Source.REPLAY],
    ).select_related("device")[:limit]
    count = 0
    for raw in pending:
        frame = gb26875.decode(bytes(raw.payload))
        process_gb26875(Receipt(raw_record=raw, status="accepted", frame=frame))
        count += 1
    if count:
        logger.warning("read %d stored frames that had not been read", count)
    return count


@dataclass(frozen=True)
class IncomingFrame:
    """One frame as an adapter received it."""

    data: bytes
    origin: str
    received_at: datetime


def store_frames(frames: Sequence[IncomingFrame], *, source: str) -> list[Receipt]:
    """Store a batch of GB/T 26875.3 frames durably, in one transaction.

    Returns one receipt per frame, in order. When this returns, every
    accepted or rejected frame is committed and may be acknowledged or
    denied; duplicates were stored before. Read them with `process_receipts`.
    """
    with transaction.atomic():
        return [
            store_gb26875(
                frame.data,
                source=source,
                origin=frame.origin,
                received_at=frame.received_at,
            )
            for frame in frames
        ]


def process_receipts(receipts: Sequence[Receipt]) -> None:
    """Read, judge and hand on the accepted frames of a stored batch."""
    for receipt in receipts:
        if receipt.status == "accepted":
            process_gb26875(receipt)
