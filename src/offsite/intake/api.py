"""HTTP intake: batches of canonical observations from providers (IM-4, IM-21).

A batch is accepted whole or refused whole: one bad item refuses the batch,
with a message naming the item, the field and the rule, and the refused body
is still kept as a rejected raw record.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.security import APIKeyHeader

from offsite.intake import canonical, services
from offsite.intake.canonical import ObservationIn
from offsite.intake.models import RawRecord
from offsite.registry import queries as registry_queries
from offsite.registry.models import Provider

logger = logging.getLogger(__name__)

router = Router(tags=["intake"])

MAX_BATCH = canonical.MAX_ITEMS
# Of a body over the size limit, this much is kept as a rejected raw record.
OVERSIZED_KEPT_BYTES = 64 * 1024

REFUSAL_STATUS = {
    canonical.RefusedError.NOT_JSON: 400,
    canonical.RefusedError.INVALID: 422,
    canonical.RefusedError.UNKNOWN: 422,
    canonical.RefusedError.FORBIDDEN: 403,
}


class ProviderKey(APIKeyHeader):
    """A provider's API key in the `X-API-Key` header."""

    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Provider | None:
        if not key:
            return None
        return registry_queries.authenticate_api_key(key)


class BatchOut(Schema):
    raw_record: int | None
    status: str
    observations: int
    check_results: int
    events_opened: dict[str, int]
    events_ended: dict[str, int]


class ErrorOut(Schema):
    detail: str
    errors: list[str] = []
    raw_record: int | None = None


_item_schema = ObservationIn.model_json_schema()


@router.post(
    "/observations",
    auth=ProviderKey(),
    response={
        200: BatchOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        413: ErrorOut,
        422: ErrorOut,
        500: ErrorOut,
    },
    summary="Send a batch of observations",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            {
                                "type": "array",
                                "minItems": 1,
                                "maxItems": MAX_BATCH,
                                "items": _item_schema,
                            },
                            _item_schema,
                        ]
                    }
                }
            },
        }
    },
)
def post_observations(request: HttpRequest):
    """Store a batch of observations for the caller's own units' devices."""
    provider: Provider = request.auth
    received_at = datetime.now().astimezone()
    origin = f"http provider={provider.slug}"

    def refuse(
        status: int, detail: str, errors: list[str], *, kept: bytes, note: str = ""
    ):
        """Keep `kept` as a rejected raw record and answer with the refusal."""
        raw = services.reject_batch(
            kept,
            provider_slug=provider.slug,
            reason="; ".join(p for p in (detail, *errors, note) if p)[:2000],
            source=RawRecord.Source.HTTP,
            origin=origin,
            received_at=received_at,
        )
        logger.warning("batch refused provider=%s: %s", provider.slug, detail)
        return Status(
            status,
            {"detail": detail, "errors": errors, "raw_record": raw.pk if raw else None},
        )

    try:
        body = request.body
    except RequestDataTooBig:
        # Kept, as refused device data is, but only its start: a body of any
        # size must not fill the raw store.
        start = request.read(OVERSIZED_KEPT_BYTES)
        return refuse(
            413,
            f"body: larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes; "
            f"send at most {MAX_BATCH} observations per batch",
            [],
            kept=start,
            note=f"its first {len(start)} bytes are kept",
        )

    try:
        items = canonical.resolve(provider, canonical.parse_observations(body))
    except canonical.RefusedError as refusal:
        return refuse(
            REFUSAL_STATUS[refusal.kind], refusal.detail, refusal.errors, kept=body
        )

    try:
        receipt = services.receive_observation_batch(
            body,
            provider_slug=provider.slug,
            items=items,
            source=RawRecord.Source.HTTP,
            origin=origin,
            received_at=received_at,
        )
    except Exception as error:
        # Whatever failed, the batch was rolled back whole; keep its bytes.
        logger.exception("batch failed provider=%s", provider.slug)
        return refuse(
            500,
            f"server: the batch could not be stored ({type(error).__name__})",
            [],
            kept=body,
        )
    return Status(
        200,
        {
            "raw_record": receipt.raw_record.pk if receipt.raw_record else None,
            "status": receipt.status,
            "observations": receipt.observations,
            "check_results": receipt.check_results,
            "events_opened": dict(receipt.events_opened),
            "events_ended": dict(receipt.events_ended),
        },
    )
