"""The canonical JSON observation, read the same way by every adapter.

HTTP batches and MQTT messages carry the same open format (IM-21: any
vendor can implement it): one observation object or a list of them. This
module turns a body into validated observations of registered devices, or
refuses it whole with a message naming the item, the field and the rule.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from django.utils import timezone
from ninja import Field, Schema
from pydantic import (
    AwareDatetime,
    StrictBool,
    StrictFloat,
    StrictInt,
    TypeAdapter,
    field_validator,
)
from pydantic import ValidationError as PydanticValidationError

from offsite.catalog import queries as catalog
from offsite.catalog.models import Rule
from offsite.intake.services import MOST_AHEAD, CanonicalObservation
from offsite.registry import queries as registry_queries
from offsite.registry.models import Provider

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

    @field_validator("device", "point", "value")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        # No database text column can hold U+0000 (PostgreSQL refuses it).
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain the NUL character (U+0000)")
        return value

    @field_validator("observed_at", mode="before")
    @classmethod
    def _iso_text_only(cls, value: object) -> object:
        # A bare number would be read as Unix seconds; the format says text.
        if not isinstance(value, str):
            raise ValueError("expected an ISO 8601 text with an offset")
        return value


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


class DuplicateKeyError(Exception):
    """A JSON object names one key twice: its meaning depends on the reader."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise DuplicateKeyError(
                f"{key!r} appears twice in one object; each key at most once"
            )
        found[key] = value
    return found


def _json_kind(value: Any) -> str:
    """Name a JSON value's kind as JSON does: a number, a string, a list…"""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list"


def parse_observations(
    body: bytes, *, max_items: int = MAX_ITEMS
) -> list[ObservationIn]:
    """Read a body holding one observation object or a non-empty list of them."""
    try:
        data = json.loads(body, object_pairs_hook=_unique_keys)
    except DuplicateKeyError as error:
        raise RefusedError(RefusedError.INVALID, f"body: {error}") from None
    except (ValueError, RecursionError) as error:
        # JSONDecodeError, bad UTF-8, integers too long to read, nesting
        # too deep: all mean the body is not JSON this platform can take.
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
    not_objects = [
        f"[{index}]: expected an observation object, got {_json_kind(item)}"
        for index, item in enumerate(data)
        if not isinstance(item, dict)
    ]
    if not_objects:
        raise RefusedError(
            RefusedError.INVALID, "body: invalid observations", not_objects
        )
    try:
        items = _items.validate_python(data)
    except PydanticValidationError as error:
        raise RefusedError(
            RefusedError.INVALID, "body: invalid observations", messages(error)
        ) from None
    problems = value_problems(items, now=timezone.now())
    if problems:
        raise RefusedError(RefusedError.INVALID, "body: invalid observations", problems)
    return items


# Rules that read a quantity need a number; the others read a true/false.
NUMERIC_KINDS = frozenset({Rule.Kind.NUMERIC_RANGE})
# GB/T 26875.3 time labels count years from 2000; nothing older is data.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
# No quantity the platform reads comes near this; a float holds it exactly
# enough, and a JSON document cannot smuggle an overflow past it.
LARGEST_VALUE = 1e12


def expected_type(name: str) -> type | None:
    """Return the type the catalog's rules need for `name`, if any rule reads it."""
    kinds = {
        rule.kind
        for rule in catalog.rules_for_observation(name)
        if rule.observation_name == name
    }
    if not kinds or kinds & {Rule.Kind.SILENCE} == kinds:
        return None
    return float if kinds & NUMERIC_KINDS else bool


def value_problems(items: Sequence[ObservationIn], *, now: datetime) -> list[str]:
    """Name every value of the wrong type for its rules, and impossible times."""
    problems = []
    for index, item in enumerate(items):
        wanted = expected_type(item.name)
        if isinstance(item.value, float) and not math.isfinite(item.value):
            problems.append(f"[{index}].value: must be a finite number")
        elif wanted is float and (
            isinstance(item.value, bool) or not isinstance(item.value, int | float)
        ):
            problems.append(
                f"[{index}].value: {item.name} is a quantity; expected a number"
            )
        elif wanted is bool and not isinstance(item.value, bool):
            problems.append(
                f"[{index}].value: {item.name} is a state; expected true or false"
            )
        elif isinstance(item.value, int | float) and abs(item.value) > LARGEST_VALUE:
            problems.append(f"[{index}].value: larger than {LARGEST_VALUE:g}")
        # Years first: a time at the edge of the calendar cannot even be
        # compared with another once its offset is applied. In 2000 it can,
        # and its offset counts: 2000-01-01T00:00+14:00 is still 1999.
        if item.observed_at.year < EARLIEST.year or (
            item.observed_at.year == EARLIEST.year and item.observed_at < EARLIEST
        ):
            problems.append(
                f"[{index}].observed_at: before {EARLIEST.date().isoformat()}"
            )
        elif (
            item.observed_at.year > now.year + 1 or item.observed_at > now + MOST_AHEAD
        ):
            problems.append(
                f"[{index}].observed_at: more than 24 hours after the time of "
                f"receipt ({now.isoformat(timespec='seconds')})"
            )
    return problems


def resolve(
    provider: Provider, items: Sequence[ObservationIn]
) -> list[CanonicalObservation]:
    """Find the device of every item among those the provider may write.

    A device is named by the provider's own id for it, or else by its
    GB/T 26875.3 source address; either way it must belong to a unit the
    provider serves.
    """
    found = registry_queries.devices_for_provider(
        provider, {item.device for item in items}
    )
    forbidden: list[str] = []
    unknown: list[str] = []
    for index, item in enumerate(items):
        if item.device not in found:
            unknown.append(
                f"[{index}].device: no device {item.device!r} is registered "
                f"for provider {provider.slug}"
            )
        elif not found[item.device][1]:
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
            device=found[item.device][0],
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
