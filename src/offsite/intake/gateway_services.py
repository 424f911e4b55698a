"""What the TCP gateway writes besides frames: its events and its commands.

Frames go through `intake.services.store_frames`; this module adds what
only a gateway knows: that a device went silent or came back (`offline`
observations, hung on a raw record that notes the gateway event), the
roll-calls and clock syncs operators ask it to send, and the answers that
match them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from offsite.intake import judging
from offsite.intake.models import (
    GatewayCommand,
    Observation,
    RawRecord,
)
from offsite.protocols.gb26875 import codes
from offsite.registry import queries as registry_queries
from offsite.registry.models import Device

logger = logging.getLogger(__name__)

# Raw records that note a gateway event (not bytes from a device) carry an
# origin starting with this, so "has the device said anything since?" can
# leave them out.
GATEWAY_ORIGIN_PREFIX = "gateway:"

OFFLINE = codes.OFFLINE
DUTY_CHECK_SENT = "duty_check_sent"

# Default answer time of a roll-call: the catalog's duty_check_unanswered
# rule judges silence after 10 minutes (version 1, local policy default),
# so the device is told the same. Fig. 46 carries it in one byte.
ROLL_CALL_TIMEOUT_MINUTES = 10
ROLL_CALL_TIMEOUT_RANGE_MINUTES = (1, 255)

# A request not sent within this time is left unsent: a roll-call checks who
# is on duty now, and a clock sync carries the time it was asked for.
COMMAND_VALID_MINUTES = 10


def record_gateway_event(
    *,
    device: Device,
    event: str,
    peer: str,
    at: datetime,
    observations: dict[str, bool],
    detail: dict[str, Any] | None = None,
) -> RawRecord:
    """Note a gateway event as a raw record and judge its observations.

    The record's payload is a short JSON note (`{"event": …, "device": …,
    "peer": …}`), so every observation still leads back to a raw record
    (IM-7). It is written already read, so nothing reads it as a frame.
    """
    note = {"event": event, "device": device.source_address, "peer": peer}
    note.update(detail or {})
    payload = json.dumps(note, ensure_ascii=False, sort_keys=True).encode()
    with transaction.atomic():
        raw = RawRecord.objects.create(
            source=RawRecord.Source.GB26875_TCP,
            origin=f"{GATEWAY_ORIGIN_PREFIX}{event} {peer}"[:300],
            received_at=at,
            payload=payload,
            sha256=hashlib.sha256(payload).hexdigest(),
            dedup_key=hashlib.sha256(f"gateway|{uuid.uuid4()}".encode()).hexdigest(),
            status=RawRecord.Status.ACCEPTED,
            device=device,
            processed_at=at,
        )
        rows = [
            Observation(
                raw_record=raw,
                device=device,
                name=name,
                value_bool=value,
                observed_at=at,
                received_at=at,
            )
            for name, value in observations.items()
        ]
        Observation.objects.bulk_create(rows)
        judging.judge().judge([(rows, at)])
    logger.info(
        "event=%s device=%s peer=%s raw=%s", event, device.source_address, peer, raw.pk
    )
    return raw


def record_offline(
    *,
    device_address: str,
    peer: str,
    last_data_at: datetime,
    at: datetime,
    event: str = "connection_silent",
) -> bool:
    """Record that a device is offline: nothing from it since `last_data_at`.

    Nothing is recorded when the device has sent data since (on another
    connection, or to another gateway) or is already recorded offline.
    Returns whether an `offline` observation was written.
    """
    device = registry_queries.device_by_source_address(device_address)
    if device is None:
        return False
    spoke_since = (
        RawRecord.objects.filter(device=device, received_at__gt=last_data_at)
        .exclude(origin__startswith=GATEWAY_ORIGIN_PREFIX)
        .exists()
    )
    if spoke_since or last_offline(device) is True:
        return False
    record_gateway_event(
        device=device,
        event=event,
        peer=peer,
        at=at,
        observations={OFFLINE: True},
        detail={"last_data_at": last_data_at.isoformat()},
    )
    logger.warning(
        "event=device_offline device=%s peer=%s last_data_at=%s",
        device_address,
        peer,
        last_data_at.isoformat(),
    )
    return True


def record_online(*, device_address: str, peer: str, at: datetime) -> bool:
    """End a recorded offline state when the device sends data again.

    Returns whether an `offline` = false observation was written.
    """
    device = registry_queries.device_by_source_address(device_address)
    if device is None or last_offline(device) is not True:
        return False
    record_gateway_event(
        device=device,
        event="connection_resumed",
        peer=peer,
        at=at,
        observations={OFFLINE: False},
    )
    return True


def last_offline(device: Device) -> bool | None:
    """Return the device's latest `offline` value, None if never recorded."""
    return (
        Observation.objects.filter(device=device, name=OFFLINE, point__isnull=True)
        .order_by("-observed_at", "-id")
        .values_list("value_bool", flat=True)
        .first()
    )


def request_command(
    *,
    device: Device,
    kind: str,
    timeout_minutes: int | None = None,
    at: datetime | None = None,
) -> GatewayCommand:
    """Ask the gateway the device is connected to to send it a command.

    A roll-call (type 91) tells the device how many minutes the duty
    officer has to answer, `ROLL_CALL_TIMEOUT_MINUTES` unless given; a
    clock sync (type 90) takes no timeout.
    """
    if kind not in GatewayCommand.Kind.values:
        raise ValidationError(
            {"kind": f"{kind!r} is not one of {', '.join(GatewayCommand.Kind.values)}"}
        )
    if not device.source_address:
        raise ValidationError(
            {"device": "has no GB/T 26875.3 source address for a gateway to use"}
        )
    if kind == GatewayCommand.Kind.ROLL_CALL:
        low, high = ROLL_CALL_TIMEOUT_RANGE_MINUTES
        if timeout_minutes is None:
            timeout_minutes = ROLL_CALL_TIMEOUT_MINUTES
        if not low <= timeout_minutes <= high:
            raise ValidationError(
                {
                    "timeout_minutes": f"{timeout_minutes} is outside {low}..{high} "
                    "(one byte of minutes, GB/T 26875.3 fig. 46)"
                }
            )
    elif timeout_minutes is not None:
        raise ValidationError({"timeout_minutes": "only a roll-call has a timeout"})

    command = GatewayCommand.objects.create(
        device=device,
        kind=kind,
        timeout_minutes=timeout_minutes,
        requested_at=at or timezone.now(),
    )
    logger.info(
        "event=gateway_command_requested command=%s kind=%s device=%s",
        command.pk,
        kind,
        device.source_address,
    )
    return command


def claim_command(
    *,
    command: GatewayCommand,
    serial: int,
    sent_by: str,
    frame: bytes,
    peer: str,
    at: datetime,
) -> bool:
    """Mark a command sent by this gateway, unless another one claimed it.

    A roll-call also records a `duty_check_sent` observation: the catalog's
    duty-check silence counts from it. Returns whether this gateway may
    send the frame.
    """
    with transaction.atomic():
        claimed = GatewayCommand.objects.filter(
            pk=command.pk, sent_at__isnull=True
        ).update(sent_at=at, sent_by=sent_by[:120], serial=serial)
        if claimed != 1:
            return False
        if command.kind == GatewayCommand.Kind.ROLL_CALL:
            record_gateway_event(
                device=command.device,
                event=DUTY_CHECK_SENT,
                peer=peer,
                at=at,
                observations={DUTY_CHECK_SENT: True},
                detail={
                    "command": command.pk,
                    "serial": serial,
                    "timeout_minutes": command.timeout_minutes,
                    "frame": frame.hex(),
                },
            )
    logger.info(
        "event=gateway_command_sent command=%s kind=%s device=%s serial=%s",
        command.pk,
        command.kind,
        command.device.source_address,
        serial,
    )
    return True


def answer_by_serial(
    *,
    device_address: str,
    serial: int,
    answer: str,
    raw_record_id: int | None,
    at: datetime,
) -> GatewayCommand | None:
    """Match a confirm or deny that echoes a serial to the command sent.

    A confirm (command 3) answers a clock sync; a roll-call is answered only
    by the duty officer's type 24 upload, so its confirm is not an answer.
    A deny (command 6) answers either: the device refused it.
    """
    kinds = (
        [GatewayCommand.Kind.CLOCK_SYNC]
        if answer == GatewayCommand.Answer.CONFIRMED
        else GatewayCommand.Kind.values
    )
    candidates = GatewayCommand.objects.filter(
        device__source_address=device_address,
        serial=serial,
        kind__in=kinds,
        sent_at__isnull=False,
        answered_at__isnull=True,
        sent_at__gte=at - timedelta(minutes=COMMAND_VALID_MINUTES),
    )
    return _mark_answered(candidates, answer=answer, raw_record_id=raw_record_id, at=at)


def answer_roll_call(
    *, device_address: str, raw_record_id: int | None, at: datetime
) -> GatewayCommand | None:
    """Match a duty check answer (type 24, bit 5) to the latest roll-call sent."""
    candidates = GatewayCommand.objects.filter(
        device__source_address=device_address,
        kind=GatewayCommand.Kind.ROLL_CALL,
        sent_at__isnull=False,
        sent_at__lte=at,
        answered_at__isnull=True,
    )
    return _mark_answered(
        candidates,
        answer=GatewayCommand.Answer.DUTY_CHECK_ANSWER,
        raw_record_id=raw_record_id,
        at=at,
    )


def _mark_answered(
    candidates, *, answer: str, raw_record_id: int | None, at: datetime
) -> GatewayCommand | None:
    command = candidates.order_by("-sent_at", "-id").first()
    if command is None:
        return None
    marked = GatewayCommand.objects.filter(
        pk=command.pk, answered_at__isnull=True
    ).update(answered_at=at, answer=answer, answer_record_id=raw_record_id)
    if not marked:
        return None
    command.refresh_from_db()
    logger.info(
        "event=gateway_command_answered command=%s kind=%s answer=%s",
        command.pk,
        command.kind,
        answer,
    )
    return command
