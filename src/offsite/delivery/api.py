"""Electronic service over HTTP (LM-5): consent, the inbox, notices, receipts.

People authenticate with their session; every read is scoped in the query,
so a notice of another unit is simply not found (404). Webhook gateways post
receipts with the shared secret in `X-Delivery-Secret`.
"""

from __future__ import annotations

import hmac
import logging
from datetime import date, datetime
from typing import Annotated

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.security import APIKeyHeader
from pydantic import AwareDatetime, StrictBool

from offsite.delivery import queries, services
from offsite.delivery.consent import CONSENT_TEXT, CONSENT_TEXT_VERSION
from offsite.delivery.models import Channel, Notice
from offsite.registry.apiauth import SIGNED_IN
from offsite.registry.models import Person

logger = logging.getLogger(__name__)

router = Router(tags=["delivery"])


# Paging stops here: an inbox is read a page at a time.
MAX_OFFSET = 1_000_000


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


class AnswerOut(Schema):
    consented: bool
    answered_at: datetime
    answered_by: str
    text_version: str


class ConsentOut(Schema):
    required: bool = Field(
        description="True when this sign-in must offer consent (LM-5): a unit "
        "user whose unit has not answered yet."
    )
    text: str
    text_version: str
    answer: AnswerOut | None


class ConsentIn(Schema):
    # A legal answer (LM-5): JSON true or false, never "yes" or 1.
    consented: StrictBool


class NoticeOut(Schema):
    id: int
    unit: str = Field(description="The unit's unified social credit code.")
    event: int | None
    kind: str
    title: str
    document_number: str
    created_at: datetime
    electronic: bool
    service_date: date | None


class MessageOut(Schema):
    channel: str
    status: str
    attempts: int
    sent_at: datetime | None
    receipts: int


class NoticeDetailOut(NoticeOut):
    body: str
    sent_on: date | None
    arrived_on: date | None
    served_on: date | None
    service_method: str
    messages: list[MessageOut]


class ArrivalIn(Schema):
    arrived_on: date
    proof: Annotated[str, Field(min_length=1, max_length=2000)]


class ChannelOut(Schema):
    id: int
    kind: str
    address: str
    source: str
    active: bool


class ChannelIn(Schema):
    kind: str = Field(description="email or webhook (the inbox is built in)")
    address: Annotated[str, Field(min_length=1, max_length=500)]


class ReceiptIn(Schema):
    idempotency_key: str
    received_at: AwareDatetime | None = None
    detail: dict = {}


class ReceiptOut(Schema):
    receipt: int
    message_status: str


class GatewaySecret(APIKeyHeader):
    """The shared secret of the webhook gateways, in `X-Delivery-Secret`."""

    param_name = "X-Delivery-Secret"

    def authenticate(self, request: HttpRequest, key: str | None) -> bool | None:
        secret = settings.DELIVERY_RECEIPT_SECRET
        if not secret or not key:
            return None
        return True if hmac.compare_digest(key, secret) else None


def _person(request: HttpRequest) -> Person | None:
    return (
        Person.objects.filter(user=request.user)
        .select_related("authority", "unit")
        .first()
    )


def _no_person():
    return Status(403, {"detail": "this sign-in acts for no person of the platform"})


def _consent_out(person: Person) -> dict:
    answer = queries.current_consent(person.unit) if person.unit_id else None
    return {
        "required": queries.consent_required(person),
        "text": CONSENT_TEXT,
        "text_version": CONSENT_TEXT_VERSION,
        "answer": None
        if answer is None
        else {
            "consented": answer.consented,
            "answered_at": timezone.localtime(answer.answered_at),
            "answered_by": answer.person.user.get_username(),
            "text_version": answer.text_version,
        },
    }


def _notice_out(notice: Notice) -> dict:
    return {
        "id": notice.pk,
        "unit": notice.unit.credit_code,
        "event": notice.event_id,
        "kind": notice.kind,
        "title": notice.title,
        "document_number": notice.document_number,
        "created_at": timezone.localtime(notice.created_at),
        "electronic": notice.electronic,
        "service_date": queries.service_date(notice),
    }


def _errors(error: ValidationError) -> dict:
    errors = error.message_dict if hasattr(error, "error_dict") else {}
    detail = "; ".join(
        f"{field}: {' '.join(messages)}" for field, messages in errors.items()
    ) or " ".join(error.messages)
    return {"detail": detail, "errors": errors}


@router.get(
    "/me/consent",
    auth=SIGNED_IN,
    response={200: ConsentOut, 403: ErrorOut},
    summary="The offer of electronic service and the unit's answer",
)
def get_consent(request: HttpRequest):
    """Show the confirmation text and whether this sign-in must offer it."""
    person = _person(request)
    if person is None:
        return _no_person()
    return Status(200, _consent_out(person))


@router.post(
    "/me/consent",
    auth=SIGNED_IN,
    response={200: ConsentOut, 403: ErrorOut, 422: ErrorOut},
    summary="Answer the offer of electronic service",
)
def post_consent(request: HttpRequest, answer: ConsentIn):
    """Record the unit's consent to electronic service, or its refusal (LM-5)."""
    person = _person(request)
    if person is None:
        return _no_person()
    if person.role != Person.Role.UNIT_USER:
        return Status(403, {"detail": "only a unit user answers for its unit (LM-5)"})
    services.record_consent(
        unit=person.unit,
        person=person,
        consented=answer.consented,
        at=timezone.now(),
    )
    return Status(200, _consent_out(person))


@router.get(
    "/me/channels",
    auth=SIGNED_IN,
    response={200: list[ChannelOut], 403: ErrorOut},
    summary="The service addresses of the caller's unit",
)
def get_channels(request: HttpRequest):
    """List the inbox, e-mail and webhook addresses notices are served to."""
    person = _person(request)
    if person is None or person.role != Person.Role.UNIT_USER:
        return Status(403, {"detail": "only a unit user has service addresses"})
    return Status(200, list(queries.channels(person.unit)))


@router.post(
    "/me/channels",
    auth=SIGNED_IN,
    response={201: ChannelOut, 403: ErrorOut, 422: ErrorOut},
    summary="Add a service address of the caller's unit",
)
def post_channel(request: HttpRequest, channel: ChannelIn):
    """Add an e-mail address or a webhook (SMS, instant messaging) (LM-5)."""
    person = _person(request)
    if person is None or person.role != Person.Role.UNIT_USER:
        return Status(403, {"detail": "only a unit user has service addresses"})
    try:
        added = services.add_channel(
            unit=person.unit,
            kind=channel.kind,
            address=channel.address,
            source=Channel.Source.UNIT,
            at=timezone.now(),
            actor=person.user.get_username(),
        )
    except ValidationError as error:
        return Status(422, _errors(error))
    return Status(201, added)


@router.get(
    "/inbox",
    auth=SIGNED_IN,
    response={200: list[NoticeOut], 403: ErrorOut},
    summary="The notices this sign-in may read, newest first",
)
def get_inbox(
    request: HttpRequest,
    limit: int = Query(100, ge=1, le=500),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
):
    """List a unit's notices; staff see their district's, the city all."""
    person = _person(request)
    if person is None:
        return _no_person()
    notices = queries.notices_for(person)[offset : offset + limit]
    return Status(200, [_notice_out(notice) for notice in notices])


@router.get(
    "/notices/{notice_id}",
    auth=SIGNED_IN,
    response={200: NoticeDetailOut, 403: ErrorOut, 404: ErrorOut},
    summary="One notice, its deliveries and its service date",
)
def get_notice(request: HttpRequest, notice_id: int):
    """Show a notice the caller may read; any other is not found."""
    person = _person(request)
    if person is None:
        return _no_person()
    notice = queries.notices_for(person).filter(pk=notice_id).first()
    if notice is None:
        return Status(404, {"detail": f"notice {notice_id}: not found"})
    return Status(200, _detail(notice))


def _detail(notice: Notice) -> dict:
    return {
        **_notice_out(notice),
        "body": notice.body,
        "sent_on": queries.sent_on(notice),
        "arrived_on": notice.arrived_on,
        "served_on": notice.served_on,
        "service_method": notice.service_method,
        "messages": [
            {
                "channel": message.kind,
                "status": message.status,
                "attempts": message.attempts,
                "sent_at": message.sent_at and timezone.localtime(message.sent_at),
                "receipts": len(message.receipts.all()),
            }
            for message in queries.messages(notice)
        ],
    }


@router.post(
    "/notices/{notice_id}/arrival",
    auth=SIGNED_IN,
    response={200: NoticeDetailOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Prove that a notice arrived on another date",
)
def post_arrival(request: HttpRequest, notice_id: int, arrival: ArrivalIn):
    """Record the unit's proof of a different arrival date (LM-5)."""
    person = _person(request)
    if person is None:
        return _no_person()
    notice = queries.notices_for(person).filter(pk=notice_id).first()
    if notice is None:
        return Status(404, {"detail": f"notice {notice_id}: not found"})
    if person.role != Person.Role.UNIT_USER:
        return Status(
            403, {"detail": "only a unit user proves when its notice arrived"}
        )
    try:
        services.record_arrival(
            notice,
            actor=person,
            arrived_on=arrival.arrived_on,
            proof=arrival.proof,
            at=timezone.now(),
        )
    except ValidationError as error:
        return Status(422, _errors(error))
    return Status(200, _detail(notice))


@router.post(
    "/delivery/receipts",
    auth=GatewaySecret(),
    response={200: ReceiptOut, 404: ErrorOut},
    summary="A webhook gateway's receipt for a message",
)
def post_receipt(request: HttpRequest, receipt: ReceiptIn):
    """Record that a gateway delivered a message, found by its idempotency key."""
    try:
        saved = services.receive_receipt(
            idempotency_key=receipt.idempotency_key,
            received_at=receipt.received_at or timezone.now(),
            detail=receipt.detail,
        )
    except ValidationError as error:
        return Status(404, _errors(error))
    return Status(200, {"receipt": saved.pk, "message_status": saved.message.status})
