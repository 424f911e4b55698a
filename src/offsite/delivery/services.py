"""Serve notices on units electronically (LM-5) through a transactional outbox.

`issue_notice` writes the notice and one outbox row per consented channel in
the caller's transaction; `dispatch` later claims due rows, sends them and
records receipts. A rolled-back decision leaves no row; a committed one is
sent by some later dispatch even if the process dies in between.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import F, Q

from offsite.audit.services import record
from offsite.delivery import queries, webhooks
from offsite.delivery.consent import CONSENT_TEXT, CONSENT_TEXT_VERSION
from offsite.delivery.models import (
    Channel,
    Consent,
    Notice,
    NoticeKind,
    OutboxMessage,
    Receipt,
)
from offsite.registry.models import Person, Unit
from offsite.registry.validators import validate_printable

logger = logging.getLogger(__name__)

BEIJING = ZoneInfo("Asia/Shanghai")

# Local policy defaults, not from a regulation: how long a claimed message may
# stay in `sending` before another dispatcher takes it over, and how retries
# back off (1, 2, 4 … minutes, at most 6 hours, at most 12 attempts).
LEASE_SECONDS = 300
RETRY_BASE_SECONDS = 60
RETRY_MAX_SECONDS = 6 * 3600
MAX_ATTEMPTS = 12
WEBHOOK_TIMEOUT_SECONDS = 10


@dataclass
class DispatchReport:
    """What one dispatch did, counted by channel kind."""

    claimed: Counter[str] = field(default_factory=Counter)
    reclaimed: Counter[str] = field(default_factory=Counter)
    sent: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    given_up: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {
            "claimed": dict(self.claimed),
            "reclaimed": dict(self.reclaimed),
            "sent": dict(self.sent),
            "failed": dict(self.failed),
            "given_up": dict(self.given_up),
        }


class SendError(Exception):
    """A channel refused, did not answer, or its address is refused now.

    Either way the attempt failed and the message will be retried.
    """


# Consent and channels ------------------------------------------------------


def record_consent(
    *, unit: Unit, person: Person, consented: bool, at: datetime
) -> Consent:
    """Record a unit user's answer to the offer of electronic service (LM-5).

    Every answer is kept; the latest one decides whether later notices are
    served electronically. A withdrawal does not recall messages already
    decided while the consent stood.
    """
    _require_aware(at, "at")
    if person.role != Person.Role.UNIT_USER or person.unit_id != unit.pk:
        raise ValidationError(
            {"person": "only a unit user of this unit may answer for it (LM-5)"}
        )
    with transaction.atomic():
        consent = Consent.objects.create(
            unit=unit,
            person=person,
            consented=consented,
            answered_at=at,
            text=CONSENT_TEXT,
            text_version=CONSENT_TEXT_VERSION,
        )
        waiting: list[int] = []
        if consented:
            _inbox_channel(unit, at=at)
            waiting = _queue_unserved(unit, at=at)
        record(
            actor=person.user.get_username(),
            action="consent_answered",
            object_type="unit",
            object_id=unit.pk,
            at=at,
            detail={
                "consented": consented,
                "text_version": CONSENT_TEXT_VERSION,
                "notices_queued": waiting,
            },
        )
    logger.info(
        "event=consent_answered unit=%s person=%s consented=%s",
        unit.pk,
        person.pk,
        consented,
    )
    return consent


def add_channel(
    *,
    unit: Unit,
    kind: str,
    address: str,
    source: str,
    at: datetime,
    actor: str = "system",
) -> Channel:
    """Add an e-mail or webhook service address of a unit, checked for form.

    A webhook may not point at a loopback, private, link-local or reserved
    address, nor at a name that resolves to one (`Channel.clean`), unless
    `DELIVERY_WEBHOOK_ALLOW_PRIVATE` allows it.
    """
    _require_aware(at, "at")
    address = address.strip()
    validate_printable(address, field="address")
    if kind not in (Channel.Kind.EMAIL, Channel.Kind.WEBHOOK):
        raise ValidationError(
            {"kind": f"{kind!r}: expected email or webhook (the inbox is built in)"}
        )
    if source not in Channel.Source.values:
        raise ValidationError(
            {"source": f"{source!r}: expected one of {', '.join(Channel.Source)}"}
        )
    if Channel.objects.filter(unit=unit, kind=kind, address=address).exists():
        raise ValidationError(
            {"address": f"{address!r}: the unit already has this {kind} channel"}
        )
    channel = Channel(unit=unit, kind=kind, address=address, source=source)
    channel.created_at = at
    channel.full_clean()
    with transaction.atomic():
        channel.save()
        record(
            actor=actor,
            action="channel_added",
            object_type="unit",
            object_id=unit.pk,
            at=at,
            detail={"channel": channel.pk, "kind": kind, "source": source},
        )
    logger.info(
        "event=channel_added unit=%s channel=%s kind=%s", unit.pk, channel.pk, kind
    )
    return channel


# Notices ---------------------------------------------------------------------


def issue_notice(
    *,
    unit: Unit,
    kind: str,
    title: str,
    body: str,
    at: datetime,
    event: Any = None,
    document_number: str = "",
) -> Notice:
    """Record a notice to a unit and queue it on every consented channel.

    Call it inside the transaction that decides the notice: the notice and
    its outbox rows commit or roll back with the decision. Without consent
    the notice is still recorded and shown in the unit's inbox, but nothing
    is queued and its service date stays empty until `record_service`.
    """
    _require_aware(at, "at")
    if kind not in NoticeKind.values:
        raise ValidationError(
            {"kind": f"{kind!r}: expected one of {', '.join(NoticeKind.values)}"}
        )
    if not title.strip():
        raise ValidationError({"title": "a notice needs a title"})
    if event is not None and event.unit_id != unit.pk:
        raise ValidationError({"event": "the event belongs to another unit"})

    with transaction.atomic():
        electronic = queries.has_consent(unit)
        notice = Notice.objects.create(
            unit=unit,
            event=event,
            kind=kind,
            title=title.strip(),
            body=body,
            document_number=document_number,
            created_at=at,
            electronic=electronic,
        )
        channels = []
        if electronic:
            _inbox_channel(unit, at=at)
            channels = _queue(notice, at=at)
        record(
            actor="system",
            action="notice_issued",
            object_type="notice",
            object_id=notice.pk,
            at=at,
            detail={
                "unit": unit.pk,
                "kind": kind,
                "event": event.pk if event is not None else None,
                "document_number": document_number,
                "channels": sorted(channel.kind for channel in channels),
            },
        )
    logger.info(
        "event=notice_issued notice=%s unit=%s kind=%s channels=%s",
        notice.pk,
        unit.pk,
        kind,
        len(channels),
    )
    return notice


def _queue(notice: Notice, *, at: datetime) -> list[Channel]:
    """Queue a notice on every active channel of its unit; return them."""
    channels = list(Channel.objects.filter(unit=notice.unit_id, active=True))
    OutboxMessage.objects.bulk_create(
        OutboxMessage(
            notice=notice,
            channel=channel,
            kind=channel.kind,
            address=channel.address,
            created_at=at,
            next_attempt_at=at,
        )
        for channel in channels
    )
    return channels


def _queue_unserved(unit: Unit, *, at: datetime) -> list[int]:
    """Serve electronically, from now, the notices that waited for consent.

    A notice issued before the unit consented was recorded but not sent
    (LM-5); unless it was served by other means meanwhile, consent lets the
    platform send it now, and its service date is the day it is sent.
    """
    waiting = list(
        Notice.objects.filter(unit=unit, electronic=False, served_on__isnull=True)
        .exclude(messages__isnull=False)
        .order_by("created_at", "pk")
    )
    for notice in waiting:
        notice.electronic = True
        notice.save(update_fields=["electronic"])
        _queue(notice, at=at)
    return [notice.pk for notice in waiting]


def record_arrival(
    notice: Notice,
    *,
    actor: Person,
    arrived_on: date,
    proof: str,
    at: datetime | None = None,
) -> Notice:
    """Record the unit's proof that a notice reached it on another date (LM-5).

    民事诉讼法 Art. 90: electronic service takes effect when the message
    reaches the recipient's system, so the proven date replaces the date the
    platform shows as sent.
    """
    at = at or _now()
    _require_aware(at, "at")
    if actor.role != Person.Role.UNIT_USER or actor.unit_id != notice.unit_id:
        raise ValidationError(
            {"actor": "only a unit user of the notice's unit may prove its arrival"}
        )
    if not proof.strip():
        raise ValidationError({"proof": "describe the proof of the arrival date"})
    if "\x00" in proof:
        raise ValidationError({"proof": "must not contain the NUL character"})
    shown = queries.sent_on(notice)
    if shown is None:
        raise ValidationError(
            {
                "arrived_on": "the notice was not served electronically; there is "
                "no sending date to correct"
            }
        )
    if arrived_on < notice.created_at.astimezone(BEIJING).date():
        raise ValidationError(
            {"arrived_on": f"{arrived_on}: before the notice was issued"}
        )
    if arrived_on > at.astimezone(BEIJING).date():
        raise ValidationError({"arrived_on": f"{arrived_on}: in the future"})

    with transaction.atomic():
        notice.arrived_on = arrived_on
        notice.arrival_proof = proof.strip()
        notice.arrival_recorded_by = actor
        notice.arrival_recorded_at = at
        notice.save(
            update_fields=[
                "arrived_on",
                "arrival_proof",
                "arrival_recorded_by",
                "arrival_recorded_at",
            ]
        )
        record(
            actor=actor.user.get_username(),
            action="notice_arrival_proven",
            object_type="notice",
            object_id=notice.pk,
            at=at,
            detail={"arrived_on": arrived_on.isoformat(), "shown_sent_on": str(shown)},
        )
    logger.info("event=notice_arrival notice=%s arrived_on=%s", notice.pk, arrived_on)
    return notice


def record_service(
    notice: Notice,
    *,
    actor: Person | str,
    served_on: date,
    method: str,
    at: datetime | None = None,
) -> Notice:
    """Record that a notice was served by other means (in person, by post).

    This is how a notice to a unit without consent gets its service date
    (行政处罚法 Art. 61: otherwise the 民事诉讼法 ways of service apply).
    """
    at = at or _now()
    _require_aware(at, "at")
    if isinstance(actor, Person):
        if not actor.is_staff_role:
            raise ValidationError(
                {"actor": "only an authority's staff record service by other means"}
            )
        actor_name = actor.user.get_username()
    else:
        actor_name = actor
    if not actor_name:
        raise ValidationError({"actor": "name who recorded the service"})
    if not method.strip():
        raise ValidationError({"method": "name how the notice was served"})
    if served_on < notice.created_at.astimezone(BEIJING).date():
        raise ValidationError(
            {"served_on": f"{served_on}: before the notice was issued"}
        )
    if served_on > at.astimezone(BEIJING).date():
        raise ValidationError({"served_on": f"{served_on}: in the future"})

    with transaction.atomic():
        notice.served_on = served_on
        notice.service_method = method.strip()
        notice.service_recorded_by = actor_name
        notice.service_recorded_at = at
        notice.save(
            update_fields=[
                "served_on",
                "service_method",
                "service_recorded_by",
                "service_recorded_at",
            ]
        )
        record(
            actor=actor_name,
            action="notice_served_otherwise",
            object_type="notice",
            object_id=notice.pk,
            at=at,
            detail={"served_on": served_on.isoformat(), "method": method.strip()},
        )
    return notice


# Dispatch --------------------------------------------------------------------


def dispatch(*, at: datetime, limit: int = 100) -> DispatchReport:
    """Claim due outbox messages, send them, and record receipts or failures.

    A message is claimed with a compare-and-set (`pending`/`failed` and due,
    or `sending` for longer than the lease → `sending`, stamped `claimed_at`),
    so several dispatchers can run and each message has one owner at a time.
    The claim commits before the send, and marking `sent` commits after it.

    Delivery is at least once, not exactly once. If a process dies after the
    channel took the message but before marking it sent, the message stays
    `sending`; after the lease another dispatch sends it again with the SAME
    idempotency key. A webhook receiver drops the repeat by its
    `Idempotency-Key` header; e-mail has no such protocol, so the recipient
    may get a second copy, carrying the same `Message-ID` and
    `X-Offsite-Idempotency-Key`. Nothing decided is ever lost.

    `limit` bounds how many messages one call handles; a message that fails
    waits for its next attempt and is not retried within the same call.
    """
    _require_aware(at, "at")
    report = DispatchReport()
    for _ in range(limit):
        # One claim per send: a claim is held only as long as one channel
        # call (its timeout is far inside the lease), never for a batch.
        claimed = _claim(at=at, limit=1)
        if not claimed:
            break
        message, was_stale = claimed[0]
        if was_stale:
            report.reclaimed[message.kind] += 1
            logger.warning(
                "event=outbox_reclaimed message=%s notice=%s: its dispatcher "
                "held it past the lease; sending again with the same key",
                message.pk,
                message.notice_id,
            )
        report.claimed[message.kind] += 1
        try:
            detail = _send(message)
        except SendError as error:
            _mark_failed(message, error=str(error), at=at, report=report)
            continue
        _mark_sent(message, detail=detail, at=at, report=report)
    return report


def receive_receipt(
    *, idempotency_key: str, received_at: datetime, detail: dict[str, Any]
) -> Receipt:
    """Record a channel's later receipt for a message (a gateway callback).

    A receipt for a message still marked `sending` or `failed` means the
    channel did take it, so the message is marked sent as of the receipt.
    """
    _require_aware(received_at, "received_at")
    try:
        key = uuid.UUID(idempotency_key)
    except ValueError as error:
        raise ValidationError(
            {"idempotency_key": f"{idempotency_key!r}: not a UUID"}
        ) from error
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update()
            .filter(idempotency_key=key)
            .first()
        )
        if message is None:
            raise ValidationError(
                {"idempotency_key": f"{idempotency_key}: no such message"}
            )
        receipt = Receipt.objects.create(
            message=message,
            source=Receipt.Source.CALLBACK,
            received_at=received_at,
            detail=detail,
        )
        if message.status != OutboxMessage.Status.SENT:
            message.status = OutboxMessage.Status.SENT
            message.sent_at = received_at
            message.next_attempt_at = None
            message.save(update_fields=["status", "sent_at", "next_attempt_at"])
    logger.info("event=receipt message=%s source=callback", message.pk)
    return receipt


def _claim(*, at: datetime, limit: int) -> list[tuple[OutboxMessage, bool]]:
    due = Q(
        status__in=[OutboxMessage.Status.PENDING, OutboxMessage.Status.FAILED],
        next_attempt_at__lte=at,
    )
    stale = Q(
        status=OutboxMessage.Status.SENDING,
        claimed_at__lte=at - timedelta(seconds=LEASE_SECONDS),
    )
    claimed: dict[int, bool] = {}
    if connection.features.has_select_for_update_skip_locked:
        # PostgreSQL: rows another dispatcher is claiming are skipped, not
        # waited for, and the update below runs on rows this one holds.
        with transaction.atomic():
            rows = (
                OutboxMessage.objects.filter(due | stale)
                .select_for_update(skip_locked=True)
                .order_by("created_at", "pk")
                .values_list("pk", "status")[:limit]
            )
            claimed = {
                pk: status == OutboxMessage.Status.SENDING for pk, status in rows
            }
            OutboxMessage.objects.filter(pk__in=claimed).update(
                status=OutboxMessage.Status.SENDING,
                claimed_at=at,
                attempts=F("attempts") + 1,
            )
    else:
        # SQLite: one writer at a time, so an update that still finds the row
        # in the state read a moment ago is the compare-and-set.
        # A few spare candidates stand in for those another dispatcher wins.
        candidates = list(
            OutboxMessage.objects.filter(due | stale)
            .order_by("created_at", "pk")
            .values_list("pk", "status", "claimed_at")[: limit + 10]
        )
        for pk, status, claimed_at in candidates:
            if len(claimed) == limit:
                break
            changed = OutboxMessage.objects.filter(
                pk=pk, status=status, claimed_at=claimed_at
            ).update(
                status=OutboxMessage.Status.SENDING,
                claimed_at=at,
                attempts=F("attempts") + 1,
            )
            if changed == 1:
                claimed[pk] = status == OutboxMessage.Status.SENDING

    rows = OutboxMessage.objects.filter(pk__in=claimed).select_related("notice__unit")
    return [(row, claimed[row.pk]) for row in rows.order_by("created_at", "pk")]


def _mark_sent(
    message: OutboxMessage,
    *,
    detail: dict[str, Any],
    at: datetime,
    report: DispatchReport,
) -> None:
    with transaction.atomic():
        # Only the owner of the claim marks it: a dispatcher that lost its
        # lease leaves the row to the one that took it over.
        changed = OutboxMessage.objects.filter(
            pk=message.pk,
            status=OutboxMessage.Status.SENDING,
            claimed_at=message.claimed_at,
        ).update(
            status=OutboxMessage.Status.SENT,
            sent_at=at,
            next_attempt_at=None,
            last_error="",
        )
        if changed != 1:
            logger.warning(
                "event=outbox_claim_lost message=%s: sent, but another "
                "dispatcher now owns the row",
                message.pk,
            )
            return
        Receipt.objects.create(
            message=message,
            source=Receipt.Source.SEND,
            received_at=at,
            detail=detail,
        )
        record(
            actor="system",
            action="notice_sent",
            object_type="notice",
            object_id=message.notice_id,
            at=at,
            detail={"message": message.pk, "channel": message.kind},
        )
    report.sent[message.kind] += 1
    logger.info(
        "event=notice_sent notice=%s message=%s channel=%s",
        message.notice_id,
        message.pk,
        message.kind,
    )


def _mark_failed(
    message: OutboxMessage, *, error: str, at: datetime, report: DispatchReport
) -> None:
    given_up = message.attempts >= MAX_ATTEMPTS
    delay = min(RETRY_BASE_SECONDS * 2 ** (message.attempts - 1), RETRY_MAX_SECONDS)
    next_attempt_at = None if given_up else at + timedelta(seconds=delay)
    changed = OutboxMessage.objects.filter(
        pk=message.pk,
        status=OutboxMessage.Status.SENDING,
        claimed_at=message.claimed_at,
    ).update(
        status=OutboxMessage.Status.FAILED,
        next_attempt_at=next_attempt_at,
        last_error=error[:2000],
    )
    if changed != 1:
        return
    if given_up:
        report.given_up[message.kind] += 1
        # The notice is not served on this channel; staff must serve it
        # another way (LM-28 lists an unserved notice as a discipline case).
        logger.warning(
            "event=outbox_given_up message=%s notice=%s channel=%s attempts=%s: %s",
            message.pk,
            message.notice_id,
            message.kind,
            message.attempts,
            error,
        )
    else:
        report.failed[message.kind] += 1
        logger.warning(
            "event=outbox_failed message=%s notice=%s channel=%s attempt=%s "
            "retry_at=%s: %s",
            message.pk,
            message.notice_id,
            message.kind,
            message.attempts,
            next_attempt_at.isoformat() if next_attempt_at else None,
            error,
        )


# Channels --------------------------------------------------------------------


def _send(message: OutboxMessage) -> dict[str, Any]:
    if message.kind == Channel.Kind.INBOX:
        # The notice is in the platform from the moment it is decided; the
        # inbox is sent when dispatched, and that date is shown as sent.
        return {"channel": "inbox"}
    if message.kind == Channel.Kind.EMAIL:
        return _send_email(message)
    if message.kind == Channel.Kind.WEBHOOK:
        return _send_webhook(message)
    raise SendError(f"unknown channel kind {message.kind!r}")


def _send_email(message: OutboxMessage) -> dict[str, Any]:
    notice = message.notice
    key = str(message.idempotency_key)
    email = EmailMessage(
        subject=notice.title,
        body=_email_body(notice),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.address],
        headers={
            # A resent copy carries the same Message-ID, which many mail
            # clients use to fold duplicates together.
            "Message-ID": f"<{key}@offsite.notice>",
            "X-Offsite-Idempotency-Key": key,
            "X-Offsite-Notice": str(notice.pk),
        },
    )
    try:
        accepted = email.send(fail_silently=False)
    except Exception as error:  # any backend error is a failed attempt
        raise SendError(f"e-mail: {type(error).__name__}: {error}") from error
    if accepted != 1:
        raise SendError("e-mail: the mail backend accepted no message")
    return {"channel": "email", "accepted": accepted}


def _email_body(notice: Notice) -> str:
    lines = [notice.body.rstrip(), ""]
    if notice.document_number:
        lines.append(f"文书编号：{notice.document_number}")
    lines.append(
        f"发出时间：{notice.created_at.astimezone(BEIJING):%Y-%m-%d %H:%M}（北京时间）"
    )
    lines.append("本通知同时送达至您在消防非现场监管平台的站内信箱。")
    return "\n".join(lines) + "\n"


def webhook_payload(message: OutboxMessage) -> dict[str, Any]:
    """Return the JSON a webhook channel receives for a message."""
    notice = message.notice
    return {
        "idempotency_key": str(message.idempotency_key),
        "notice": {
            "id": notice.pk,
            "kind": notice.kind,
            "title": notice.title,
            "body": notice.body,
            "document_number": notice.document_number,
            "created_at": notice.created_at.isoformat(),
            "event": notice.event_id,
        },
        "unit": {"credit_code": notice.unit.credit_code, "name": notice.unit.name},
    }


def _send_webhook(message: OutboxMessage) -> dict[str, Any]:
    # Checked again on every send, not only when the channel was added: the
    # name may resolve elsewhere now (DNS rebinding), the row may predate the
    # rule, or the site may have stopped allowing private addresses.
    try:
        to = webhooks.target(message.address)
    except webhooks.AddressRefusedError as error:
        raise SendError(f"webhook: not sent: {error}") from error
    except webhooks.UnresolvedNameError as error:
        raise SendError(f"webhook: {error}") from error

    key = str(message.idempotency_key)
    body = json.dumps(webhook_payload(message), ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Idempotency-Key": key,
        "User-Agent": "offsite-delivery/1",
    }
    secret = settings.DELIVERY_RECEIPT_SECRET
    if secret:
        headers["X-Offsite-Signature"] = (
            "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        )
    try:
        status, answer = webhooks.post(
            to, body, headers, timeout_seconds=WEBHOOK_TIMEOUT_SECONDS
        )
    except (OSError, http.client.HTTPException) as error:
        raise SendError(f"webhook: {type(error).__name__}: {error}") from error
    if not 200 <= status < 300:
        raise SendError(f"webhook: HTTP {status}")
    return {"channel": "webhook", "status": status, "answer": answer[:500]}


# Helpers ---------------------------------------------------------------------


def _inbox_channel(unit: Unit, *, at: datetime) -> Channel:
    channel, _ = Channel.objects.get_or_create(
        unit=unit,
        kind=Channel.Kind.INBOX,
        address="",
        defaults={"source": Channel.Source.PLATFORM, "created_at": at},
    )
    return channel


def _now() -> datetime:
    from django.utils import timezone

    return timezone.now()


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name}: must be timezone-aware, got {value.isoformat()}")
