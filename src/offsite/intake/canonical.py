"""The canonical JSON observation, read the same way by every adapter.

HTTP batches and MQTT messages carry the same open format (IM-21: any
vendor can implement it): one observation object or a list of them. This
module turns a body into validated observations of registered devices, or
refuses it whole with a message naming the item, the field and the rule.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Annotated

from ninja import Field, Schema
from pydantic import AwareDatetime, StrictBool, StrictFloat, StrictInt, TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from offsite.intake.services import CanonicalObservation
from offsite.registry import queries as registry_queries
from offsite.registry.models import Device, Provider

logger = logging.getLogger(__name__)

MAX_ITEMS = 1000


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


_items = TypeAdapter(list[ObservationIn])


class RefusedError(Exception):
    """Why a body of observations is refused whole.

    `kind` says which rule it broke, so an adapter can answer in its own
    terms (an HTTP status, a log line): `not_json`, `invalid` (shape or
    schema), `unknown` (a device not registered) or `forbidden` (a device
    of a unit the provider does not serve).
    """

    NOT_JSON = "not_json"
    INVALID = "invalid"
    UNKNOWN = "unknown"
    FORBIDDEN = "forbidden"

    def __init__(self, kind: str, detail: str, errors: Sequence[str] = ()) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.errors = list(errors)

    @property
    def reason(self) -> str:
        """Say it in one line, as a rejected raw record keeps it."""
        return "; ".join([self.detail, *self.errors])[:2000]


def parse_observations(
    body: bytes, *, max_items: int = MAX_ITEMS
) -> list[ObservationIn]:
    """Read a body holding one observation object or a non-empty list of them."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RefusedError(
            RefusedError.NOT_JSON, f"body: not valid JSON ({error})"
        ) from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not data:
        raise RefusedError(
            RefusedError.INVALID,
            "body: expected an observation or a non-empty list of them",
        )
    if len(data) > max_items:
        raise RefusedError(
            RefusedError.INVALID, f"body: at most {max_items} observations"
        )
    try:
        return _items.validate_python(data)
    except PydanticValidationError as error:
        raise RefusedError(
            RefusedError.INVALID, "body: invalid observations", messages(error)
        ) from None


def resolve(
    provider: Provider, items: Sequence[ObservationIn]
) -> list[CanonicalObservation]:
    """Find the device of every item among those the provider may write.

    A device is named by the provider's own id for it, or else by its
    GB/T 26875.3 source address; either way it must belong to a unit the
    provider serves.
    """
    devices: dict[str, Device | None] = {}
    writable: dict[str, bool] = {}
    forbidden: list[str] = []
    unknown: list[str] = []
    for index, item in enumerate(items):
        if item.device not in devices:
            device = _device(provider, item.device)
            devices[item.device] = device
            writable[item.device] = (
                device is not None
                and registry_queries.provider_may_write(provider, device)
            )
        if devices[item.device] is None:
            unknown.append(
                f"[{index}].device: no device {item.device!r} is registered "
                f"for provider {provider.slug}"
            )
        elif not writable[item.device]:
            forbidden.append(
                f"[{index}].device: device {item.device!r} belongs to a unit "
                f"provider {provider.slug} does not serve"
            )
    if forbidden:
        raise RefusedError(
            RefusedError.FORBIDDEN,
            "device: not a device of a unit this provider serves",
            forbidden,
        )
    if unknown:
        raise RefusedError(RefusedError.UNKNOWN, "device: not registered", unknown)

    return [
        CanonicalObservation(
            device=devices[item.device],
            point_code=item.point,
            name=item.name,
            value=item.value,
            observed_at=item.observed_at,
        )
        for item in items
    ]


def messages(error: PydanticValidationError) -> list[str]:
    """Name the item, the field and the rule of every schema error."""
    found = []
    for problem in error.errors():
        where = "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}"
            for part in problem["loc"]
        )
        found.append(f"{where.lstrip('.')}: {problem['msg']}")
    return found


def _device(provider: Provider, name: str) -> Device | None:
    device = registry_queries.device_by_provider_id(provider, name)
    if device is None:
        device = registry_queries.device_by_source_address(name.lower())
    return device
