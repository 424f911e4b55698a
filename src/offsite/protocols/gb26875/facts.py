"""Turn decoded frames into the canonical facts intake stores as observations.

A status object yields one fact per condition its type defines, true or false,
so a later "no fire alarm" reading clears an earlier alarm. Times are the
device's local clock (naive): the object's own time label, else the frame's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from offsite.protocols.gb26875 import codes
from offsite.protocols.gb26875.frames import Frame, VendorHeartbeat
from offsite.protocols.gb26875.objects import (
    AnalogValue,
    ChannelAnalogValue,
    ChannelComponentStatus,
    ChannelSystemStatus,
    ComponentConfig,
    ComponentStatus,
    DeviceClock,
    DeviceConfig,
    DeviceOperation,
    DeviceSoftwareVersion,
    DeviceStatus,
    FacilityClock,
    FacilityOperation,
    FacilitySoftwareVersion,
    FacilitySystemConfig,
    PrinterLine,
    RawObjects,
    SystemStatus,
)

POINT_CODE_MAX_CHARS = 64
# Text facts are kept short enough for one observation row; the full bytes
# stay in the raw record (IM-7).
TEXT_VALUE_MAX_CHARS = 300

StatusObject = (
    SystemStatus
    | ChannelSystemStatus
    | ComponentStatus
    | ChannelComponentStatus
    | DeviceStatus
)


@dataclass(frozen=True)
class PointRef:
    """The point a fact is about, as the device names it.

    `code` is stable across frames: "1-1" for system type 1 address 1,
    "1-1-20101165" for a component; `name` is the description text if any.
    """

    code: str
    name: str = ""
    system_type: int | None = None
    system_address: int | None = None
    component_type: int | None = None
    component_address: int | None = None


@dataclass(frozen=True)
class Fact:
    """One canonical fact: a condition, a quantity in canonical units, or text.

    `point` is None when the fact is about the transmission device itself.
    """

    name: str
    value: bool | float | str
    observed_at: datetime | None
    point: PointRef | None = None


def facts(frame: Frame | VendorHeartbeat) -> list[Fact]:
    """Return the facts a frame reports; downlink frames report none."""
    if isinstance(frame, VendorHeartbeat):
        return [Fact("heartbeat", True, None)]
    if frame.app_type in codes.DOWNLINK_APP_TYPES:
        return []

    sent_at = frame.header.sent_at
    result: list[Fact] = []
    for obj in frame.objects:
        result.extend(_object_facts(obj, sent_at))
    return result


def _object_facts(obj: object, sent_at: datetime | None) -> list[Fact]:
    at = getattr(obj, "occurred_at", None) or sent_at
    match obj:
        case SystemStatus() | ChannelSystemStatus():
            return _states(obj, at, _system_point(obj))
        case ComponentStatus() | ChannelComponentStatus():
            return _states(obj, at, _component_point(obj))
        case DeviceStatus():
            return _states(obj, at, None)
        case AnalogValue() | ChannelAnalogValue():
            return [_analog(obj, at)]
        case FacilityOperation():
            point = _system_point(obj)
            return [Fact(name, True, at, point) for name in sorted(obj.operations)]
        case DeviceOperation():
            return [Fact(name, True, at) for name in sorted(obj.operations)]
        case FacilityClock() | DeviceClock():
            # Haiwan sends type 28 every ~25 s and Four-Faith type 8 on connect:
            # a sign of life, not a reading.
            return [Fact("heartbeat", True, obj.clock or sent_at)]
        case FacilitySoftwareVersion():
            return [Fact("software_version", obj.version, at, _system_point(obj))]
        case DeviceSoftwareVersion():
            return [Fact("software_version", obj.version, at)]
        case FacilitySystemConfig():
            return [Fact("config_text", _short(obj.text), at, _system_point(obj))]
        case ComponentConfig():
            return [
                Fact("config_text", _short(obj.description), at, _component_point(obj))
            ]
        case DeviceConfig():
            return [Fact("config_text", _short(obj.text), at)]
        case PrinterLine():
            return _printer_facts(obj, at)
        case RawObjects():
            value = _short(f"type {obj.app_type}: {obj.data.hex()}")
            return [Fact("vendor_object", value, at)]
    return []


def _states(
    obj: StatusObject, at: datetime | None, point: PointRef | None
) -> list[Fact]:
    states = obj.states
    return [Fact(name, name in states, at, point) for name in obj.defined_states]


def _analog(obj: AnalogValue | ChannelAnalogValue, at: datetime | None) -> Fact:
    kind = obj.kind
    if kind is None:
        return Fact(
            f"analog_{obj.analog_type}", float(obj.raw_value), at, _component_point(obj)
        )
    value = float(Decimal(obj.raw_value) * kind.fact_factor)
    return Fact(kind.fact_name, value, at, _component_point(obj))


# The parser card reports a controller reset only as printed text ("复位",
# "系统复位"); its alarm-type byte says no more than "normal".
RESET_WORDS = ("复位",)


def _printer_facts(line: PrinterLine, at: datetime | None) -> list[Fact]:
    point = _printer_point(line)
    result = [Fact(name, True, at, point) for name in sorted(line.states)]
    result.append(Fact("printer_text", _short(line.text), at, point))
    if any(word in line.info for word in RESET_WORDS):
        result.append(Fact("op_reset", True, at))
    return result


def _system_point(
    obj: SystemStatus
    | ChannelSystemStatus
    | FacilityOperation
    | FacilitySoftwareVersion
    | FacilitySystemConfig,
) -> PointRef:
    code = f"{obj.system_type}-{obj.system_address}"
    if isinstance(obj, ChannelSystemStatus):
        code += f"-ch{obj.channel_type}.{obj.channel_number}"
    return PointRef(
        code=code, system_type=obj.system_type, system_address=obj.system_address
    )


def _component_point(
    obj: ComponentStatus
    | ChannelComponentStatus
    | AnalogValue
    | ChannelAnalogValue
    | ComponentConfig,
) -> PointRef:
    code = f"{obj.system_type}-{obj.system_address}-{obj.component_address}"
    if isinstance(obj, ChannelComponentStatus | ChannelAnalogValue):
        code += f"-ch{obj.channel_type}.{obj.channel_number}"
    return PointRef(
        code=code,
        name=getattr(obj, "description", ""),
        system_type=obj.system_type,
        system_address=obj.system_address,
        component_type=obj.component_type,
        component_address=obj.component_address,
    )


def _printer_point(line: PrinterLine) -> PointRef:
    # The parser card knows no addresses, only what the printer printed; the
    # device name and location are what stays the same for one point.
    parts = [str(line.channel), str(line.host_number)]
    parts += [_squeeze(text) for text in (line.name, line.location) if text]
    code = "-".join(parts)[:POINT_CODE_MAX_CHARS]
    return PointRef(code=code, name=_squeeze(line.name or line.location))


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _short(text: str) -> str:
    if len(text) <= TEXT_VALUE_MAX_CHARS:
        return text
    return text[: TEXT_VALUE_MAX_CHARS - 1] + "…"
