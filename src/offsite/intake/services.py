"""Keep what arrives, read it into observations, and hand it on.

Every adapter (replay, HTTP, the TCP gateway and MQTT) stores through this
module: the raw bytes are committed first, so that nothing acknowledged can
be lost if reading them fails later (IM-7); then they are read into
observations and handed to the registered judge (`intake.judging`), which
evaluates them and acts on the results.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from offsite.intake import bulk, judging
from offsite.intake.models import DuplicateCount, Observation, RawRecord
from offsite.protocols import gb26875
from offsite.registry import queries as registry_queries
from offsite.registry import services as registry
from offsite.registry.models import Device, Point, Unit

logger = logging.getLogger(__name__)

BEIJING = ZoneInfo("Asia/Shanghai")


@dataclass
class Receipt:
    """What became of one received record."""

    raw_record: RawRecord | None
    status: str  # "accepted", "rejected" or "duplicate"
    reason: str = ""
    frame: gb26875.Frame | gb26875.VendorHeartbeat | None = None
    # The frame's facts, once read by `read_facts`; reading uses them as is.
    facts: list[gb26875.Fact] | None = None
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
    incoming = IncomingFrame(
        data=data, origin=origin, received_at=received_at or timezone.now()
    )
    with transaction.atomic():
        return _store_batch([incoming], source=source, register_unit=register_unit)[0]


def process_gb26875(receipt: Receipt) -> Receipt:
    """Read a stored frame into observations, judge them, hand them on."""
    _read_frames([receipt])
    return receipt


def _read_frames(receipts: Sequence[Receipt]) -> int:
    """Read stored frames, judge what they say and hand it on, in one transaction.

    A frame another process is reading, or has read, is left to it: each
    frame is read once even when `process_pending` in a gateway that
    starts meets frames another gateway has just stored. Return how many
    frames this call read.
    """
    with transaction.atomic():
        unread = _claim_unread([receipt.raw_record.pk for receipt in receipts])
        receipts = [r for r in receipts if r.raw_record.pk in unread]
        if not receipts:
            return 0
        facts_of = [read_facts(receipt) for receipt in receipts]
        points = registry.ensure_points(
            wanted=[
                _point_wanted(receipt.raw_record.device, fact.point)
                for receipt, facts in zip(receipts, facts_of, strict=True)
                for fact in facts
                if fact.point is not None
            ]
        )
        read = []
        device_time = _DeviceClock()
        for receipt, facts in zip(receipts, facts_of, strict=True):
            raw = receipt.raw_record
            header = getattr(receipt.frame, "header", None)
            header_time = getattr(header, "sent_at", None)
            observations = [
                _observation(
                    raw,
                    device=raw.device,
                    point=(
                        points[(raw.device_id, fact.point.code)]
                        if fact.point is not None
                        else None
                    ),
                    name=fact.name,
                    value=fact.value,
                    observed_at=_believable(
                        device_time(fact.observed_at or header_time), raw.received_at
                    ),
                )
                for fact in facts
            ]
            read.append((receipt, observations))
        _finish(read)
    return len(read)


def read_facts(receipt: Receipt) -> list[gb26875.Fact]:
    """Return the facts of a receipt's frame, reading them once."""
    if receipt.facts is None:
        receipt.facts = gb26875.facts(receipt.frame)
    return receipt.facts


def reports_fire_alarm(receipt: Receipt) -> bool:
    """Tell whether a stored frame reports a fire alarm, urgent under LM-12."""
    return any(
        fact.name == gb26875.codes.FIRE_ALARM and fact.value is True
        for fact in read_facts(receipt)
    )


def alarms_first(
    receipts: Sequence[Receipt],
) -> tuple[list[Receipt], list[Receipt]]:
    """Split stored frames into those to read first and the rest, in order.

    The first are the frames of every device with a frame that reports a
    fire alarm: all of that device's frames, so its frames are still read
    in the order they came.
    """
    alarmed = {r.raw_record.device_id for r in receipts if reports_fire_alarm(r)}
    if not alarmed:
        return [], list(receipts)
    first = [r for r in receipts if r.raw_record.device_id in alarmed]
    rest = [r for r in receipts if r.raw_record.device_id not in alarmed]
    return first, rest


def _claim_unread(ids: list[int]) -> set[int]:
    """Lock the raw records not read yet among `ids`; return their ids.

    On PostgreSQL rows another transaction holds are skipped, not waited
    for; SQLite has one writer and this transaction began IMMEDIATE, so the
    check sees every earlier reader's work.
    """
    unread = RawRecord.objects.filter(pk__in=ids, processed_at__isnull=True)
    if connection.features.has_select_for_update_skip_locked:
        unread = unread.select_for_update(skip_locked=True)
    return set(unread.values_list("pk", flat=True))


def _point_wanted(device: Device, point: gb26875.PointRef) -> registry.PointWanted:
    return registry.PointWanted(
        device=device,
        code=point.code,
        name=point.name,
        system_type=point.system_type,
        system_address=point.system_address,
        component_type=point.component_type,
        component_address=point.component_address,
    )


def _finish(read: Sequence[tuple[Receipt, list[Observation]]]) -> None:
    """Write observations, evaluate them and hand the results on.

    Each raw record's results go to supervision on their own, at the time
    the record was received, in the order the records came.
    """
    observations = [o for _, group in read for o in group]
    bulk.mark_saved(
        observations,
        bulk.insert(
            Observation,
            OBSERVATION_COLUMNS,
            [tuple(getattr(o, c) for c in OBSERVATION_COLUMNS) for o in observations],
        ),
    )
    judged = judging.judge().judge(
        [(group, receipt.raw_record.received_at) for receipt, group in read]
    )
    for (receipt, group), outcome in zip(read, judged, strict=True):
        receipt.observations = len(group)
        receipt.check_results = outcome.check_results
        receipt.events_opened.update(outcome.events_opened)
        receipt.events_ended.update(outcome.events_ended)
    RawRecord.objects.filter(
        pk__in=[receipt.raw_record.pk for receipt, _ in read]
    ).update(processed_at=timezone.now())


def _observation(
    raw: RawRecord,
    *,
    device: Device,
    point: Point | None,
    name: str,
    value: bool | float | int | str,
    observed_at: datetime,
) -> Observation:
    value_bool = value_number = None
    value_text = ""
    if isinstance(value, bool):
        value_bool = value
    elif isinstance(value, int | float):
        value_number = float(value)
    else:
        value_text = str(value)[:300]
    observation = _Observation(
        None,
        raw.pk,
        device.pk,
        point.pk if point is not None else None,
        name,
        value_bool,
        value_number,
        value_text,
        observed_at,
        raw.received_at,
    )
    _OBSERVATION_DEVICE.set_cached_value(observation, device)
    _OBSERVATION_POINT.set_cached_value(observation, point)
    return observation


# A device clock may run ahead of the platform's; further ahead than this,
# the time cannot be what the observation describes. The HTTP and MQTT
# paths refuse such an observation; a GB/T 26875.3 frame, confirmed once
# stored, is read at the time it was received instead.
MOST_AHEAD = timedelta(hours=24)


def _believable(observed: datetime | None, received: datetime) -> datetime:
    """Return the device's time for a fact, or the receipt time if it cannot be."""
    if observed is None or observed > received + MOST_AHEAD:
        return received
    return observed


def _device_time(value: datetime | None) -> datetime | None:
    """Read a device's clock: GB/T 26875.3 time labels are Beijing time."""
    if value is None:
        return None
    if timezone.is_aware(value):
        return value
    return value.replace(tzinfo=BEIJING)


class _DeviceClock:
    """Read device times as `_device_time` does, one object per distinct time.

    The facts of one frame share their time; sharing the aware datetime
    too lets the writer adapt it once.
    """

    def __init__(self) -> None:
        self.seen: dict[datetime, datetime | None] = {}

    def __call__(self, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value not in self.seen:
            self.seen[value] = _device_time(value)
        return self.seen[value]


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
        outcome = judging.judge().judge_unreadable(device=device, raw_record=raw)
        receipt.check_results = outcome.check_results
        receipt.events_opened.update(outcome.events_opened)
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
            count_duplicates(source=source)
            return None
        raise


def count_duplicates(*, source: str, count: int = 1, day: date | None = None) -> None:
    """Add to the day's count of records received again and not stored.

    Every path that finds a record already stored counts it here, so
    `offsite intake stats` shows retransmissions and retries by source.
    """
    if source not in RawRecord.Source.values:
        raise ValidationError({"source": f"{source!r} is not a raw record source"})
    day = day or timezone.localdate()
    bump = DuplicateCount.objects.filter(source=source, day=day)
    if bump.update(count=F("count") + count):
        return
    try:
        with transaction.atomic():
            DuplicateCount.objects.create(source=source, day=day, count=count)
    except IntegrityError:
        # Another process created the day's row between our update and insert.
        bump.update(count=F("count") + count)


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
    # The same fact twice in one batch (same device, point, name, value and
    # time) is one observation: a sender's repeat says nothing new.
    items = list(dict.fromkeys(items))
    points = registry.ensure_points(
        wanted=[
            registry.PointWanted(device=item.device, code=item.point_code)
            for item in items
            if item.point_code
        ]
    )
    observations = [
        _observation(
            raw,
            device=item.device,
            point=points[(item.device.pk, item.point_code)]
            if item.point_code
            else None,
            name=item.name,
            value=item.value,
            observed_at=item.observed_at,
        )
        for item in items
    ]
    _finish([(receipt, observations)])
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
        count += _read_frames([Receipt(raw_record=raw, status="accepted", frame=frame)])
    if count:
        logger.warning("read %d stored frames that had not been read", count)
    return count


@dataclass(frozen=True)
class IncomingFrame:
    """One frame as an adapter received it.

    `unframed` marks bytes of a stream that belong to no frame (no `@@`
    start, or no `##` end where the length field says): they are kept,
    rejected, like any frame that cannot be read.
    """

    data: bytes
    origin: str
    received_at: datetime
    unframed: bool = False


def store_frames(frames: Sequence[IncomingFrame], *, source: str) -> list[Receipt]:
    """Store a batch of GB/T 26875.3 frames durably, in one transaction.

    Returns one receipt per frame, in order. When this returns, every
    accepted or rejected frame is committed and may be acknowledged or
    denied; duplicates were stored before. Read them with `process_receipts`.
    """
    with transaction.atomic():
        return _store_batch(frames, source=source)


def process_receipts(receipts: Sequence[Receipt]) -> None:
    """Read, judge and hand on the accepted frames of a stored batch.

    The batch is read in one transaction: if reading one frame fails, none
    of the batch is marked read, and `process_pending` reads them again.
    """
    accepted = [receipt for receipt in receipts if receipt.status == "accepted"]
    if accepted:
        _read_frames(accepted)


def _store_batch(
    frames: Sequence[IncomingFrame], *, source: str, register_unit: Unit | None = None
) -> list[Receipt]:
    """Decode frames, find their devices and insert the new ones in one go.

    Rejected frames (unreadable, or from an unknown address) are stored one
    by one as `store_gb26875` always did; accepted ones are inserted
    together, and those whose key is already stored come back duplicates.
    """
    decoded: list[gb26875.Frame | gb26875.VendorHeartbeat | gb26875.FrameError] = []
    for incoming in frames:
        if incoming.unframed:
            decoded.append(
                gb26875.FrameError(
                    "stream",
                    f"{len(incoming.data)} bytes outside any frame (no '@@' start, "
                    "or no '##' end where the length field says)",
                )
            )
            continue
        try:
            decoded.append(gb26875.decode(incoming.data))
        except gb26875.FrameError as error:
            decoded.append(error)
    devices = _devices_by_address(
        {f.source_hex for f in decoded if not isinstance(f, gb26875.FrameError)}
    )

    receipts: list[Receipt | None] = []
    fresh: dict[str, tuple[RawRecord, int]] = {}
    for incoming, frame in zip(frames, decoded, strict=True):
        if isinstance(frame, gb26875.FrameError):
            receipts.append(_reject_unreadable(incoming, frame, source=source))
            continue
        device = devices.get(frame.source_hex)
        if device is None and register_unit is not None:
            device = devices[frame.source_hex] = _register_device(
                frame.source_hex, register_unit
            )
        if device is None:
            receipts.append(_reject_unknown(incoming, frame, source=source))
            continue

        # The vendor heartbeat carries no serial and no time: its bytes repeat
        # on purpose, so each one is kept as a sign of life, not a duplicate.
        identity = f"device|{device.pk}"
        if isinstance(frame, gb26875.VendorHeartbeat):
            identity += f"|{incoming.received_at.isoformat()}"
        key = _dedup_key(identity, incoming.data)
        if key in fresh:
            receipts.append(Receipt(raw_record=None, status="duplicate", frame=frame))
            continue
        fresh[key] = (
            _raw_record(
                incoming,
                source=source,
                status=RawRecord.Status.ACCEPTED,
                device=device,
                dedup_key=key,
            ),
            len(receipts),
        )
        receipts.append(None)

    stored = _insert_new([raw for raw, _ in fresh.values()])
    for key, (raw, position) in fresh.items():
        if key in stored:
            receipts[position] = Receipt(
                raw_record=raw, status="accepted", frame=decoded[position]
            )
        else:
            receipts[position] = Receipt(
                raw_record=None, status="duplicate", frame=decoded[position]
            )
    # Rejected duplicates were counted as `_store` met them.
    accepted_duplicates = sum(
        1 for r in receipts if r.status == "duplicate" and not r.reason
    )
    if accepted_duplicates:
        count_duplicates(source=source, count=accepted_duplicates)
    return receipts


def _devices_by_address(addresses: set[str]) -> dict[str, Device]:
    """Find the devices of a batch's source addresses in one query.

    Their units are not read with them: only the few results supervision
    takes need one, and it reads it then.
    """
    if not addresses:
        return {}
    return {
        device.source_address: device
        for device in Device.objects.filter(source_address__in=addresses)
    }


def _reject_unreadable(
    incoming: IncomingFrame, error: gb26875.FrameError, *, source: str
) -> Receipt:
    if incoming.unframed:
        # Noise repeats (a modem's AT commands): each read of it is kept.
        return _store_rejected(
            incoming.data,
            source=source,
            origin=incoming.origin,
            received_at=incoming.received_at,
            reason=str(error),
            device=None,
            dedup_identity=f"unframed|{incoming.origin}|{incoming.received_at}",
        )
    return _store_rejected(
        incoming.data,
        source=source,
        origin=incoming.origin,
        received_at=incoming.received_at,
        reason=str(error),
        device=_device_of_unreadable(incoming.data),
    )


def _reject_unknown(
    incoming: IncomingFrame,
    frame: gb26875.Frame | gb26875.VendorHeartbeat,
    *,
    source: str,
) -> Receipt:
    return _store_rejected(
        incoming.data,
        source=source,
        origin=incoming.origin,
        received_at=incoming.received_at,
        reason=(
            f"source_address: no device is registered with address {frame.source_hex}"
        ),
        device=None,
        dedup_identity=f"unknown-device|{frame.source_hex}",
    )


def _raw_record(
    incoming: IncomingFrame,
    *,
    source: str,
    status: str,
    device: Device | None,
    dedup_key: str,
    reason: str = "",
) -> RawRecord:
    raw = _RawRecord(
        None,
        source,
        incoming.origin[:300],
        incoming.received_at,
        bytes(incoming.data),
        hashlib.sha256(incoming.data).hexdigest(),
        dedup_key,
        status,
        reason,
        device.pk if device is not None else None,
        None,
    )
    bulk.cache_related(raw, device=device)
    return raw


# Columns in model order; `bulk.constructor` checks them against the models.
RAW_COLUMNS = (
    "source",
    "origin",
    "received_at",
    "payload",
    "sha256",
    "dedup_key",
    "status",
    "reject_reason",
    "device_id",
    "processed_at",
)
_RawRecord = bulk.constructor(RawRecord, ("id", *RAW_COLUMNS))
OBSERVATION_COLUMNS = (
    "raw_record_id",
    "device_id",
    "point_id",
    "name",
    "value_bool",
    "value_number",
    "value_text",
    "observed_at",
    "received_at",
)
_Observation = bulk.constructor(Observation, ("id", *OBSERVATION_COLUMNS))
_OBSERVATION_DEVICE = Observation._meta.get_field("device")
_OBSERVATION_POINT = Observation._meta.get_field("point")


def _insert_new(records: list[RawRecord]) -> set[str]:
    """Insert the records whose dedup key is not stored yet; return their keys.

    The database skips a key stored before, by this process or another
    (`bulk.insert_new`), so a frame is never stored twice.
    """
    if not connection.features.can_return_rows_from_bulk_insert:
        return {raw.dedup_key for raw in records if _insert_one(raw)}
    ids = bulk.insert_new(
        RawRecord,
        RAW_COLUMNS,
        [tuple(getattr(raw, column) for column in RAW_COLUMNS) for raw in records],
        unique="dedup_key",
    )
    inserted = [raw for raw in records if raw.dedup_key in ids]
    bulk.mark_saved(inserted, [ids[raw.dedup_key] for raw in inserted])
    return set(ids)


def _insert_one(raw: RawRecord) -> bool:
    try:
        with transaction.atomic():
            raw.save(force_insert=True)
    except IntegrityError:
        if RawRecord.objects.filter(dedup_key=raw.dedup_key).exists():
            return False
        raise
    return True
