"""Template filters of the console and portal."""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.translation import (
    get_language,
    gettext,
    gettext_lazy,
    gettext_noop,
    ngettext,
    pgettext,
)

from offsite.supervision.lifecycle import SYSTEM
from offsite.supervision.models import EventState
from offsite.supervision.services import subject_label

register = template.Library()


@register.filter
def scenario_name(scenario: Any) -> str:
    """Return a scenario's name in the language shown."""
    if scenario is None:
        return ""
    if (get_language() or "").startswith("en") and scenario.name_en:
        return scenario.name_en
    return scenario.name


@register.filter
def lookup(mapping: dict, key: Any) -> Any:
    """Return `mapping[key]`, or the key itself when it is absent."""
    if not isinstance(mapping, dict):
        return key
    return mapping.get(key, key)


@register.filter
def pretty_json(value: Any) -> str:
    """Return a value as indented JSON, Chinese kept readable."""
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)


@register.filter
def authority_name(authority: Any) -> str:
    """Return an authority's name in the language shown."""
    if authority is None:
        return ""
    if (get_language() or "").startswith("en") and authority.name_en:
        return authority.name_en
    return authority.name


@register.filter
def step_reason(reason: str) -> str:
    """Return a step's stored reason in the language shown.

    The platform's own reasons are kept in English, as recorded, and read
    out through the catalogue, those that carry a name by their pattern; a
    person's words are shown as they wrote them.
    """
    if not reason:
        return ""
    for pattern, message in NAMED_REASONS:
        found = pattern.fullmatch(reason)
        if found:
            return gettext(message) % found.groupdict()
    return gettext(reason)


# Reasons the platform records with a name in them, as the services write them.
NAMED_REASONS = (
    (
        re.compile(r"assigned to (?P<who>.+) \(LM-13\)"),
        gettext_noop("assigned to %(who)s (LM-13)"),
    ),
    (
        re.compile(r"report filed: (?P<outcome>.+) \(IM-16\)"),
        gettext_noop("report filed: %(outcome)s (IM-16)"),
    ),
)


@register.filter
def subject(value: str) -> str:
    """Return an event's subject for a person: "point east-gate", not its key."""
    words = {
        "point": pgettext("event subject", "point"),
        "device": pgettext("event subject", "device"),
    }
    return subject_label(value or "", words)


# What each action of the operation log (IM-8) is, for a person reading it.
AUDIT_ACTIONS = {
    "event.opened": gettext_lazy("event opened"),
    "event.transition": gettext_lazy("state changed"),
    "event.answered": gettext_lazy("the unit answered"),
    "event.review_requested": gettext_lazy("review requested"),
    "event.review_answered": gettext_lazy("review request answered"),
    "event.take_over": gettext_lazy("taken over by the city"),
    "event.designate": gettext_lazy("designated to a district"),
    "notice_issued": gettext_lazy("notice issued"),
    "notice_sent": gettext_lazy("notice sent"),
    "notice_served_otherwise": gettext_lazy("served by other means"),
    "notice_arrival_proven": gettext_lazy("arrival date proven"),
    "consent_answered": gettext_lazy("electronic service answered"),
    "channel_added": gettext_lazy("service channel added"),
}


AUDIT_OBJECTS = {
    "event": gettext_lazy("event"),
    "notice": gettext_lazy("notice"),
    "unit": gettext_lazy("unit"),
}


@register.filter
def audit_object(code: str) -> str:
    """Return what kind of thing an operation log entry is about, in words."""
    return str(AUDIT_OBJECTS.get(code, code))


@register.filter
def audit_action(code: str) -> str:
    """Return an operation log action in words; an unknown code as it is."""
    return str(AUDIT_ACTIONS.get(code, code))


@register.filter
def actor_name(actor: str) -> str:
    """Return who did a step: a person's sign-in, or the platform itself."""
    return gettext("the platform") if actor == SYSTEM else actor


@register.filter
def state_name(code: str) -> str:
    """Return an event state's name in the language shown."""
    try:
        return str(EventState(code).label)
    except ValueError:
        return code or ""


# Units counted in whole numbers, each said with its count in words.
COUNTED = {
    "hours": lambda n: ngettext("%(n)s hour", "%(n)s hours", n),
    "days": lambda n: ngettext("%(n)s calendar day", "%(n)s calendar days", n),
    "working_days": lambda n: ngettext("%(n)s working day", "%(n)s working days", n),
    "persons": lambda n: ngettext("%(n)s person", "%(n)s persons", n),
    "count": lambda n: ngettext("%(n)s time", "%(n)s times", n),
}


@register.simple_tag
def quantity(value: Any, unit: str) -> str:
    """Say an amount as a person would: 1440 min is 1 day, 2 persons 2 人.

    Serves thresholds (minutes, persons, counts, MPa…) and legal periods
    (hours, calendar days, working days).
    """
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return f"{value} {unit}".strip()
    whole = number == number.to_integral_value()
    if unit == "min" and whole and number > 0:
        minutes = int(number)
        if minutes % 1440 == 0:
            days = minutes // 1440
            return ngettext("%(n)s day", "%(n)s days", days) % {"n": days}
        if minutes % 60 == 0:
            return COUNTED["hours"](minutes // 60) % {"n": minutes // 60}
        return ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes}
    if unit in COUNTED and whole:
        return COUNTED[unit](int(number)) % {"n": int(number)}
    return f"{number.normalize():f} {unit}".strip()


# The facts the catalog's rules read, named for a person; any other stays
# as its code (GB/T 26875.3 states the catalog does not judge, vendor data).
FACTS = {
    "fire_alarm": gettext_lazy("fire alarm"),
    "fault": gettext_lazy("fault"),
    "shielded": gettext_lazy("shielded"),
    "supervisory": gettext_lazy("supervisory"),
    "main_power_fault": gettext_lazy("main power fault"),
    "backup_power_fault": gettext_lazy("backup power fault"),
    "bus_fault": gettext_lazy("bus fault"),
    "manual_mode": gettext_lazy("manual mode"),
    "reset": gettext_lazy("reset state"),
    "op_reset": gettext_lazy("reset key pressed"),
    "heartbeat": gettext_lazy("sign of life"),
    "offline": gettext_lazy("offline"),
    "duty_check_sent": gettext_lazy("duty check sent"),
    "duty_check_answer": gettext_lazy("duty check answered"),
    "control_room_staff_on_duty": gettext_lazy("control room staff on duty"),
    "duty_log_record": gettext_lazy("duty log kept"),
    "emergency_plan_on_file": gettext_lazy("emergency plan on file"),
    "emergency_standby_ready": gettext_lazy("emergency standby ready"),
    "fire_lane_blocked": gettext_lazy("fire lane blocked"),
    "hot_work_without_permit": gettext_lazy("hot work without a permit"),
    "key_unit_file_complete": gettext_lazy("key unit file complete"),
    "maintenance_record": gettext_lazy("maintenance recorded"),
    "self_inspection_record": gettext_lazy("self-inspection recorded"),
    "operator_certificate_valid": gettext_lazy("operator certificate valid"),
    "pressure_mpa": gettext_lazy("water pressure (MPa)"),
    "level_m": gettext_lazy("water level (m)"),
}


@register.filter
def fact_name(code: str) -> str:
    """Return a fact's name in the language shown, else its code."""
    return str(FACTS.get(code, code))


@register.filter
def fact_value(value: Any) -> str:
    """Return a fact's value for a person: yes or no for a state."""
    if value is True:
        return gettext("yes")
    if value is False:
        return gettext("no")
    return "" if value is None else str(value)
