"""A demo city: synthetic units with valid codes fed by real device captures.

The captures in `offsite/intake/captures/gb26875/` come from deployed
devices (see the README there). Each capture file gets one synthetic unit;
replaying the file with that unit registers its devices through the same
path a new device takes in the field.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from offsite.intake import canonical
from offsite.intake import services as intake
from offsite.intake.models import RawRecord
from offsite.intake.replay import ReplaySummary, replay_files
from offsite.registry import queries as registry_queries
from offsite.registry import services as registry
from offsite.registry.creditcode import make_credit_code
from offsite.registry.models import Device, Person, Provider, Unit

logger = logging.getLogger(__name__)

CAPTURES = Path(__file__).resolve().parents[1] / "intake" / "captures" / "gb26875"
DEMO_PASSWORD = "offsite-demo-2026"


@dataclass(frozen=True)
class DemoUnit:
    capture: str
    name: str
    district_code: str
    category: str
    business_type: str
    serial: int


# Names are invented; district codes are real (GB/T 2260).
DEMO_UNITS = (
    DemoUnit("haiwan-a.hex", "京华商业广场", "110105", "key_unit", "商场", 1),
    DemoUnit("sixin-b28.hex", "海淀科技大厦", "110108", "key_unit", "办公楼", 2),
    DemoUnit("sixin-m6a.hex", "西城颐和酒店", "110102", "key_unit", "宾馆", 3),
    DemoUnit("sixin-sanhe9.hex", "通州三和仓储", "110112", "general", "仓库", 4),
    DemoUnit("sixin-softwarepark.hex", "昌平软件园", "110114", "general", "园区", 5),
    DemoUnit("sixin-xiasha.hex", "丰台夏沙医院", "110106", "key_unit", "医院", 6),
)


@dataclass(frozen=True)
class SignIn:
    username: str
    role: str
    scope: str


def demo_credit_code(serial: int) -> str:
    """Build a valid (GB 32100) but invented credit code for a demo unit."""
    return make_credit_code(organisation=90260000 + serial)


def ensure_units() -> list[tuple[DemoUnit, Unit]]:
    units = []
    for demo in DEMO_UNITS:
        code = demo_credit_code(demo.serial)
        unit = Unit.objects.filter(credit_code=code).first()
        if unit is None:
            unit = registry.register_unit(
                credit_code=code,
                name=demo.name,
                district_code=demo.district_code,
                category=demo.category,
                business_type=demo.business_type,
            )
        units.append((demo, unit))
    return units


OFFSITE_APPS = (
    "calendar",
    "registry",
    "catalog",
    "audit",
    "intake",
    "monitoring",
    "supervision",
)
# What the authority's staff may edit in admin until the console exists:
# the calendar overrides and the item list. Everything else they may read.
STAFF_EDITS = ("calendar", "catalog")


def ensure_staff_groups() -> tuple[Group, Group]:
    """Give city staff groups that let them read admin, and some edit it.

    Admin is not scoped by district, so only the city's staff get these;
    district staff work in the console, which is. Nobody but the
    administrator sees providers' API keys.
    """
    readers, _ = Group.objects.get_or_create(name="city staff (read)")
    readers.permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=OFFSITE_APPS, codename__startswith="view_"
        ).exclude(content_type__model="apikey")
    )
    editors, _ = Group.objects.get_or_create(name="item list and calendar editors")
    editors.permissions.set(
        Permission.objects.filter(content_type__app_label__in=STAFF_EDITS)
    )
    return readers, editors


# Roles whose city staff maintain the item list and the calendar in admin.
EDITOR_ROLES = (Person.Role.DISPATCH_STAFF, Person.Role.LEGAL)


def ensure_people(units: list[tuple[DemoUnit, Unit]]) -> list[SignIn]:
    """Create the demo sign-ins once; their password is `DEMO_PASSWORD`."""
    readers, editors = ensure_staff_groups()
    city = registry_queries.city()
    first_unit = units[0][1]
    haidian = registry_queries.district("110108")
    wanted = [
        ("dispatch", Person.Role.DISPATCH_STAFF, {"authority": city}),
        ("officer", Person.Role.OFFICER, {"authority": city}),
        ("auxiliary", Person.Role.AUXILIARY, {"authority": city}),
        ("haidian", Person.Role.DISPATCH_STAFF, {"authority": haidian}),
        ("legal", Person.Role.LEGAL, {"authority": city}),
        ("unit", Person.Role.UNIT_USER, {"unit": first_unit}),
        ("unit2", Person.Role.UNIT_USER, {"unit": units[1][1]}),
    ]
    users = get_user_model().objects
    sign_ins = []
    if not users.filter(username="admin").exists():
        users.create_superuser("admin", "admin@offsite.invalid", DEMO_PASSWORD)
    sign_ins.append(SignIn("admin", "administrator", "everything"))
    for username, role, scope in wanted:
        if not users.filter(username=username).exists():
            person = registry.create_person(
                username=username, password=DEMO_PASSWORD, role=role, **scope
            )
            if person.user.is_staff and person.authority == city:
                person.user.groups.add(readers)
                if role in EDITOR_ROLES:
                    person.user.groups.add(editors)
        where = scope.get("authority") or scope.get("unit")
        sign_ins.append(SignIn(username, Person.Role(role).label, str(where)))
    return sign_ins


def ensure_provider(units: list[tuple[DemoUnit, Unit]]) -> tuple[Provider, str]:
    """Return the demo provider and a freshly issued API key for it."""
    provider = Provider.objects.filter(slug="demo-iot").first()
    if provider is None:
        provider = registry.register_provider(
            name="示范物联网服务商", slug="demo-iot", units=[u for _, u in units[:2]]
        )
    # Each run prints a new key; the ones printed before stop working.
    for old_key in provider.api_keys.filter(label="demo run", revoked_at=None):
        registry.revoke_api_key(api_key=old_key)
    key = registry.issue_api_key(provider=provider, label="demo run")
    return provider, key


# Observations the demo provider sends through the canonical format, so the
# review queue is not empty (IM-15): a blocked fire lane and a missing
# emergency plan both need an officer to confirm them. The body is fixed, so
# a second load is a duplicate and opens nothing new.
DEMO_SENSORS = (
    # (unit index, provider's device id, device name)
    (0, "lane-cam-01", "消防车通道摄像机"),
    (1, "lane-cam-02", "消防车通道摄像机"),
)
DEMO_OBSERVATIONS = [
    {
        "device": "lane-cam-01",
        "point": "east-gate",
        "name": "fire_lane_blocked",
        "value": True,
        "observed_at": "2026-12-01T09:30:00+08:00",
    },
    {
        "device": "lane-cam-01",
        "name": "emergency_plan_on_file",
        "value": False,
        "observed_at": "2026-12-01T09:30:00+08:00",
    },
    {
        "device": "lane-cam-02",
        "point": "north-gate",
        "name": "fire_lane_blocked",
        "value": True,
        "observed_at": "2026-12-01T10:05:00+08:00",
    },
]


def ensure_sensors(provider: Provider, units: list[tuple[DemoUnit, Unit]]) -> None:
    """Register the provider's demo sensors once."""
    for index, device_id, name in DEMO_SENSORS:
        if registry_queries.device_by_provider_id(provider, device_id) is None:
            registry.register_device(
                unit=units[index][1],
                provider=provider,
                provider_device_id=device_id,
                kind=Device.Kind.SENSOR,
                name=name,
            )


def send_observations(provider: Provider) -> ReplaySummary:
    """Send the demo observations the way the HTTP intake does."""
    body = json.dumps(DEMO_OBSERVATIONS, ensure_ascii=False).encode()
    items = canonical.resolve(provider, canonical.parse_observations(body))
    receipt = intake.receive_observation_batch(
        body,
        provider_slug=provider.slug,
        items=items,
        source=RawRecord.Source.HTTP,
        origin=f"demo provider={provider.slug}",
    )
    summary = ReplaySummary()
    summary.add(receipt, origin="demo observations")
    return summary


@dataclass
class Loaded:
    """What loading the demo did: the captures replayed, the provider's batch."""

    captures: ReplaySummary
    provider: ReplaySummary
    sign_ins: list[SignIn]
    key: str


def load(*, captures: Path = CAPTURES) -> Loaded:
    """Set up the demo city and replay its captures; safe to run again."""
    with transaction.atomic():
        units = ensure_units()
        sign_ins = ensure_people(units)
        provider, key = ensure_provider(units)
        ensure_sensors(provider, units)

    total = ReplaySummary()
    for demo, unit in units:
        summary = replay_files([captures / demo.capture], unit=unit)
        _merge(total, summary)
    return Loaded(
        captures=total,
        provider=send_observations(provider),
        sign_ins=sign_ins,
        key=key,
    )


def _merge(total: ReplaySummary, part: ReplaySummary) -> None:
    total.files += part.files
    total.frames += part.frames
    total.accepted += part.accepted
    total.rejected += part.rejected
    total.duplicates += part.duplicates
    total.observations += part.observations
    total.check_results += part.check_results
    total.events_opened.update(part.events_opened)
    total.events_ended.update(part.events_ended)
    total.rejections.extend(part.rejections)
