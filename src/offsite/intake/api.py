"""HTTP intake: batches of canonical observations from providers (IM-4, IM-21).

A batch is accepted whole or refused whole: one bad item refuses the batch,
with a message naming the item, the field and the rule, and the refused body
is still kept as a rejected raw record.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Annotated

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.security import APIKeyHeader
from pydantic import AwareDatetime, StrictBool, StrictFloat, StrictInt, TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from offsite.intake import services
from offsite.intake.models import RawRecord
from offsite.registry import queries as registry_queries
from offsite.registry.models import Device, Provider

logger = logging.getLogger(__name__)

router = Router(tags=["intake"])

MAX_BATCH = 1000


class ProviderKey(APIKeyHeader):
    """A provider's API key in the `X-API-Key` header."""

    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Provider | None:
        if not key:
            return None
        return registry_queries.authenticate_api_key(key)


class ObservationIn(Schema):
    """One canonical observation, the format of every non-GB/T 26875 source."""

    device: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        description="The provider's id of the device (or its GB/T 26875 address)."
    )
    point: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        None, description="The point on the device, if the value is about one."
    )
    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,47}$")] = Field(
        description="What is observed: a state (`fire_alarm`) or a quantity "
        "with its unit (`pressure_mpa`)."
    )
    value: StrictBool | StrictInt | StrictFloat | Annotated[str, Field(max_length=300)]
    observed_at: AwareDatetime = Field(
        description="When it was true, ISO 8601 with an offset."
    )


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


_batch = TypeAdapter(list[ObservationIn])
_item_schema = ObservationIn.model_json_schema()


@router.post(
    "/observations",
    auth=ProviderKey(),
    response={200: BatchOut, 400: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Send a batch of observations",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": MAX_BATCH,
                        "items": _item_schema,
                    }
                }
            },
        }
    },
)
def post_observations(request: HttpRequest):
    """Store a batch of observations for the caller's own units' devices."""
    provider: Provider = request.auth
    body = request.body
    received_at = datetime.now().astimezone()
    origin = f"http provider={provider.slug}"

    def refuse(status: int, detail: str, errors: list[str]):
        raw = services.reject_batch(
            body,
            provider_slug=provider.slug,
            reason="; ".join([detail, *errors])[:2000],
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
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return refuse(400, f"body: not valid JSON ({error})", [])
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not data:
        return refuse(422, "body: expected a non-empty list of observations", [])
    if len(data) > MAX_BATCH:
        return refuse(422, f"body: at most {MAX_BATCH} observations per batch", [])
    try:
        items = _batch.validate_python(data)
    except PydanticValidationError as error:
        return refuse(422, "body: invalid observations", _messages(error))

    resolved, forbidden, unknown = _resolve_devices(provider, items)
    if forbidden:
        return refuse(403, "device: not a device of a unit this key serves", forbidden)
    if unknown:
        return refuse(422, "device: not registered", unknown)

    receipt = services.receive_observation_batch(
        body,
        provider_slug=provider.slug,
        items=[
            services.CanonicalObservation(
                device=resolved[i],
                point_code=item.point,
                name=item.name,
                value=item.value,
                observed_at=item.observed_at,
            )
            for i, item in enumerate(items)
        ],
        source=RawRecord.Source.HTTP,
        origin=origin,
        received_at=received_at,
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


def _resolve_devices(
    provider: Provider, items: list[ObservationIn]
) -> tuple[dict[int, Device], list[str], list[str]]:
    resolved: dict[int, Device] = {}
    forbidden: list[str] = []
    unknown: list[str] = []
    for index, item in enumerate(items):
        device = registry_queries.device_by_provider_id(provider, item.device)
        if device is None:
            device = registry_queries.device_by_source_address(item.device.lower())
        if device is None:
            unknown.append(
                f"[{index}].device: no device {item.device!r} is registered "
                f"for provider {provider.slug}"
            )
        elif not registry_queries.provider_may_write(provider, device):
            forbidden.append(
                f"[{index}].device: device {item.device!r} belongs to a unit "
                f"provider {provider.slug} does not serve"
            )
        else:
            resolved[index] = device
    return resolved, forbidden, unknown


def _messages(error: PydanticValidationError) -> list[str]:
    messages = []
    for problem in error.errors():
        where = "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}"
            for part in problem["loc"]
        )
        messages.append(f"{where.lstrip('.')}: {problem['msg']}")
    return messages
