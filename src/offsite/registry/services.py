"""Changes to the registry: units, sites, devices, providers, keys, people.

Every function validates the whole record before it writes anything and
runs in one transaction, so bad input is refused whole.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from offsite.registry import apikeys, queries
from offsite.registry.creditcode import normalize_credit_code
from offsite.registry.models import (
    ApiKey,
    Authority,
    Device,
    Person,
    Point,
    Provider,
    Site,
    Unit,
)
from offsite.registry.privacy import mask_phone
from offsite.registry.validators import (
    normalize_source_address,
    validate_printable,
    validate_source_address,
)

logger = logging.getLogger(__name__)


def register_unit(
    *,
    credit_code: str,
    name: str,
    district_code: str,
    category: str = Unit.Category.GENERAL,
    business_type: str = "",
    floor_area_m2: Decimal | int | str | None = None,
    building_height_m: Decimal | int | str | None = None,
    staff_count: int | None = None,
) -> Unit:
    """Register a unit under its district, or refuse it naming each bad field."""
    credit_code = normalize_credit_code(credit_code)
    district = Authority.objects.filter(
        code=district_code.strip(), level=Authority.Level.DISTRICT
    ).first()
    unit = Unit(
        credit_code=credit_code,
        name=name.strip(),
        district=district,
        category=category,
        business_type=business_type.strip(),
        floor_area_m2=floor_area_m2,
        building_height_m=building_height_m,
        staff_count=staff_count,
    )

    with transaction.atomic():
        if Unit.objects.filter(credit_code=credit_code).exists():
            raise _duplicate_unit(credit_code)
        errors: dict[str, list[str]] = {}
        if district is None:
            errors["district_code"] = [
                f"{district_code!r} is not the GB/T 2260 code of a district"
            ]
        try:
            unit.full_clean(exclude=["district"] if district is None else None)
        except ValidationError as error:
            errors.update(error.message_dict)
        if errors:
            raise ValidationError(errors)
        try:
            with transaction.atomic():
                unit.save()
        except IntegrityError as error:
            # Another writer registered the same code between check and save.
            raise _duplicate_unit(credit_code) from error

    logger.info(
        "event=unit_registered unit=%s credit_code=%s district=%s",
        unit.pk,
        unit.credit_code,
        district.code,
    )
    return unit


def register_site(
    *,
    unit: Unit,
    name: str,
    address: str = "",
    building_height_m: Decimal | int | str | None = None,
) -> Site:
    """Add a site (a building, a venue) to a unit."""
    site = Site(
        unit=unit,
        name=name.strip(),
        address=address.strip(),
        building_height_m=building_height_m,
    )
    with transaction.atomic():
        site.full_clean()
        site.save()
    logger.info("event=site_registered site=%s unit=%s", site.pk, unit.pk)
    return site


def register_device(
    *,
    unit: Unit,
    source_address: str | None = None,
    provider: Provider | None = None,
    provider_device_id: str | None = None,
    kind: str = Device.Kind.TRANSMISSION,
    name: str = "",
    site: Site | None = None,
) -> Device:
    """Register a device of a unit, found later by either identifier.

    A GB/T 26875.3 device is known by its source address; a device that a
    provider sends for is known by the id that provider gives it, and the
    provider must already serve the unit.
    """
    if source_address is not None:
        source_address = normalize_source_address(source_address)
    if provider_device_id is not None:
        provider_device_id = provider_device_id.strip()

    device = Device(
        unit=unit,
        site=site,
        provider=provider,
        kind=kind,
        name=name.strip(),
        source_address=source_address or None,
        provider_device_id=provider_device_id or None,
    )
    errors: dict[str, list[str]] = {}
    if device.source_address is not None:
        # Checked first so that an over-long address gets one message, the
        # rule, rather than the rule and the column length.
        try:
            validate_source_address(device.source_address)
        except ValidationError as error:
            errors["source_address"] = error.messages

    with transaction.atomic():
        try:
            device.full_clean(exclude=list(errors))
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                known = errors.setdefault(field, [])
                known.extend(m for m in messages if m not in known)
        if errors:
            raise ValidationError(errors)
        try:
            with transaction.atomic():
                device.save()
        except IntegrityError as error:
            # Another writer registered the same identifier between the
            # check in full_clean() and this insert.
            raise ValidationError(
                "another device with this source_address or provider_device_id "
                "was registered at the same time",
                code="unique",
            ) from error

    logger.info(
        "event=device_registered device=%s unit=%s source_address=%s provider=%s",
        device.pk,
        unit.pk,
        device.source_address,
        provider.slug if provider else None,
    )
    return device


def ensure_point(
    *,
    device: Device,
    code: str,
    name: str = "",
    system_type: int | None = None,
    system_address: int | None = None,
    component_type: int | None = None,
    component_address: int | None = None,
) -> Point:
    """Return the device's point with this code, creating it if new.

    An existing point keeps what it has: only an empty name and unknown
    addresses are filled from the arguments.
    """
    given = {
        "name": name.strip(),
        "system_type": system_type,
        "system_address": system_address,
        "component_type": component_type,
        "component_address": component_address,
    }
    with transaction.atomic():
        point = Point.objects.filter(device=device, code=code).first()
        if point is None:
            point = Point(device=device, code=code, **given)
            point.full_clean()
            try:
                with transaction.atomic():
                    point.save()
            except IntegrityError:
                # A concurrent writer created it first: use theirs.
                point = Point.objects.get(device=device, code=code)
            else:
                logger.info(
                    "event=point_created point=%s device=%s code=%s",
                    point.pk,
                    device.pk,
                    code,
                )
                return point

        filled = [
            field
            for field, value in given.items()
            if value not in (None, "") and getattr(point, field) in (None, "")
        ]
        if filled:
            for field in filled:
                setattr(point, field, given[field])
            point.full_clean()
            point.save(update_fields=filled)
    return point


@dataclass(frozen=True)
class PointWanted:
    """A point an intake batch reads data about, as `ensure_point` takes it."""

    device: Device
    code: str
    name: str = ""
    system_type: int | None = None
    system_address: int | None = None
    component_type: int | None = None
    component_address: int | None = None


def ensure_points(*, wanted: Iterable[PointWanted]) -> dict[tuple[int, str], Point]:
    """Return the points asked for by (device id, code), creating the new ones.

    Does what `ensure_point` does for each, in one query for the points
    that exist and one insert for those that do not: an existing point
    keeps what it has, and only its empty name and unknown addresses are
    filled, from the first request that gives them.
    """
    merged: dict[tuple[int, str], PointWanted] = {}
    for request in wanted:
        key = (request.device.pk, request.code)
        held = merged.get(key)
        merged[key] = request if held is None else _merge_point(held, request)
    if not merged:
        return {}

    with transaction.atomic():
        found = _points_by_key(list(merged))
        for key, point in found.items():
            if _fields_to_fill(point, merged[key]):
                found[key] = _ensure_wanted(merged[key])

        missing = [request for key, request in merged.items() if key not in found]
        if missing:
            found.update(_create_points(missing))
    return found


def _points_by_key(keys: list[tuple[int, str]]) -> dict[tuple[int, str], Point]:
    """Read points by (device id, code), a row-value `IN` over the unique index."""
    columns = [f.column for f in Point._meta.concrete_fields]
    quote = connection.ops.quote_name
    per_statement = (connection.features.max_query_params or 65535) // 2
    found: dict[tuple[int, str], Point] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(keys), per_statement):
            chunk = keys[start : start + per_statement]
            cursor.execute(
                f"SELECT {', '.join(quote(c) for c in columns)} "
                f"FROM {quote(Point._meta.db_table)} "
                f"WHERE ({quote('device_id')}, {quote('code')}) IN "
                f"({', '.join(['(%s, %s)'] * len(chunk))})",
                [value for key in chunk for value in key],
            )
            for row in cursor.fetchall():
                point = Point.from_db(connection.alias, None, row)
                found[(point.device_id, point.code)] = point
    return found


def _merge_point(held: PointWanted, later: PointWanted) -> PointWanted:
    values = {
        field: getattr(held, field)
        if getattr(held, field) not in (None, "")
        else getattr(later, field)
        for field in _POINT_FIELDS
    }
    return PointWanted(device=held.device, code=held.code, **values)


_POINT_FIELDS = (
    "name",
    "system_type",
    "system_address",
    "component_type",
    "component_address",
)


def _fields_to_fill(point: Point, request: PointWanted) -> list[str]:
    return [
        field
        for field in _POINT_FIELDS
        if getattr(request, field) not in (None, "")
        and getattr(point, field) in (None, "")
        and (field != "name" or request.name.strip())
    ]


def _ensure_wanted(request: PointWanted) -> Point:
    return ensure_point(
        device=request.device,
        code=request.code,
        **{field: getattr(request, field) for field in _POINT_FIELDS},
    )


def _create_points(requests: list[PointWanted]) -> dict[tuple[int, str], Point]:
    points = []
    for request in requests:
        point = Point(
            device=request.device,
            code=request.code,
            name=request.name.strip(),
            **{field: getattr(request, field) for field in _POINT_FIELDS[1:]},
        )
        # The device is a saved row and the unique constraint is the
        # database's to check, in the insert: no query per point here.
        point.full_clean(
            exclude=["device"], validate_unique=False, validate_constraints=False
        )
        points.append(point)
    try:
        with transaction.atomic():
            Point.objects.bulk_create(points)
    except IntegrityError:
        # A concurrent writer created some of them first: one at a time.
        return {
            (request.device.pk, request.code): _ensure_wanted(request)
            for request in requests
        }
    for point in points:
        logger.info(
            "event=point_created point=%s device=%s code=%s",
            point.pk,
            point.device_id,
            point.code,
        )
    return {(point.device_id, point.code): point for point in points}


def register_provider(
    *,
    name: str,
    slug: str,
    units: Iterable[Unit] = (),
    credit_code: str = "",
) -> Provider:
    """Register a service provider or device network and the units it serves."""
    provider = Provider(
        name=name.strip(),
        slug=slug.strip(),
        credit_code=normalize_credit_code(credit_code),
    )
    with transaction.atomic():
        if Provider.objects.filter(slug=provider.slug).exists():
            raise ValidationError(
                {"slug": f"a provider with slug {provider.slug!r} already exists"}
            )
        provider.full_clean()
        provider.save()
        provider.units.set(list(units))

    logger.info(
        "event=provider_registered provider=%s units=%s",
        provider.slug,
        provider.units.count(),
    )
    return provider


def add_provider_units(*, provider: Provider, units: Iterable[Unit]) -> None:
    """Let a provider write for more units."""
    units = list(units)
    with transaction.atomic():
        provider.units.add(*units)
    logger.info(
        "event=provider_units_added provider=%s units=%s",
        provider.slug,
        ",".join(str(unit.pk) for unit in units),
    )


def issue_api_key(
    *, provider: Provider | None = None, person: Person | None = None, label: str = ""
) -> str:
    """Issue a new API key to a provider or a person; return its plaintext.

    The plaintext is never kept. The key reads `osk_<prefix>_<secret>`; the
    prefix finds the row and only the SHA-256 of the whole key is stored.
    """
    validate_printable(label, field="label")
    if person is not None and not person.user.is_active:
        raise ValidationError(
            {
                "person": f"{person.user.get_username()} may not sign in "
                "(inactive): a key of theirs would never work"
            }
        )
    for _attempt in range(5):
        prefix = apikeys.new_prefix()
        if not ApiKey.objects.filter(prefix=prefix).exists():
            break
    else:  # pragma: no cover - five collisions among 2**32 prefixes
        raise RuntimeError("could not draw an unused API key prefix")

    plaintext = apikeys.new_key(prefix)
    api_key = ApiKey(
        provider=provider,
        person=person,
        label=label.strip(),
        prefix=prefix,
        key_sha256=apikeys.digest(plaintext),
    )
    with transaction.atomic():
        api_key.full_clean()
        api_key.save()

    logger.info(
        "event=api_key_issued holder=%s prefix=%s key=%s",
        queries.key_holder(api_key),
        prefix,
        api_key.pk,
    )
    return plaintext


def revoke_api_key(*, api_key: ApiKey) -> ApiKey:
    """Revoke a key from now on; revoking twice keeps the first time."""
    with transaction.atomic():
        ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        api_key.refresh_from_db(fields=["revoked_at"])
    logger.info(
        "event=api_key_revoked holder=%s prefix=%s",
        queries.key_holder(api_key),
        api_key.prefix,
    )
    return api_key


def create_person(
    *,
    username: str,
    password: str,
    role: str,
    authority: Authority | None = None,
    unit: Unit | None = None,
    provider: Provider | None = None,
    phone: str = "",
    email: str = "",
) -> Person:
    """Create a sign-in user and the person who acts through it.

    The role decides the scope: staff of an authority need the authority,
    a unit user the unit, a provider user the provider, and nothing else.
    Staff get `is_staff` so they can sign in to the admin site; what they may
    change there comes from permissions or groups, which are not assigned
    here.
    """
    user_model = get_user_model()
    person = Person(
        role=role,
        authority=authority,
        unit=unit,
        provider=provider,
        phone=phone.strip(),
    )
    user = user_model(
        username=username.strip(),
        email=email.strip(),
        is_staff=role in Person.STAFF_ROLES,
    )

    errors: dict[str, list[str]] = {}
    try:
        person.full_clean(exclude=["user"])
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        errors["password"] = error.messages
    user.set_password(password)

    with transaction.atomic():
        if user_model.objects.filter(username=user.username).exists():
            errors["username"] = [f"the username {user.username!r} is taken"]
        try:
            user.full_clean(validate_unique=False)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.setdefault(field, []).extend(messages)
        if errors:
            raise ValidationError(errors)
        user.save()
        person.user = user
        person.save()

    logger.info(
        "event=person_created person=%s role=%s phone=%s",
        person.pk,
        person.role,
        mask_phone(person.phone),
    )
    return person


def _duplicate_unit(credit_code: str) -> ValidationError:
    return ValidationError(
        {"credit_code": f"a unit with credit code {credit_code} is already registered"}
    )
