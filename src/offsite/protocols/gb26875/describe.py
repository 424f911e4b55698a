"""Describe a decoded frame as plain JSON-ready data, for people and logs."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from offsite.protocols.gb26875 import codes
from offsite.protocols.gb26875.facts import facts
from offsite.protocols.gb26875.frames import Frame, VendorHeartbeat


def describe(frame: Frame | VendorHeartbeat) -> dict[str, Any]:
    """Return every field of a frame, with code names and decoded text."""
    if isinstance(frame, VendorHeartbeat):
        return {
            "kind": "vendor_heartbeat",
            "source_address": frame.source_hex,
            "comm_module": frame.comm_module,
            "comm_module_name": codes.COMM_MODULES.get(frame.comm_module, "未知"),
            "system_type": frame.system_type,
            "system_type_name": codes.system_type_name(
                frame.system_type, version_main=codes.FOUR_FAITH_MAIN_VERSION
            ),
            "facts": [_fact(f) for f in facts(frame)],
            "raw": frame.raw.hex(),
        }

    header = frame.header
    version = header.version_main
    app_name = (
        None
        if frame.app_type is None
        else codes.app_type_name(frame.app_type, version_main=version)
    )
    return {
        "kind": "frame",
        "header": {
            "serial": header.serial,
            "version_main": header.version_main,
            "version_user": header.version_user,
            "sent_at": _value(header.sent_at),
            "source_address": header.source_hex,
            "destination_address": header.destination_hex,
            "adu_length": header.adu_length,
            "command": header.command,
            "command_name": _name(codes.command_name(header.command)),
        },
        "app_type": frame.app_type,
        "app_type_name": None if app_name is None else _name(app_name),
        "objects": [_object(obj, version) for obj in frame.objects],
        "facts": [_fact(f) for f in facts(frame)],
        "checksum": f"0x{frame.checksum:02x}",
        "raw": frame.raw.hex(),
    }


def _object(obj: object, version: int) -> dict[str, Any]:
    result: dict[str, Any] = {"class": type(obj).__name__}
    for field in dataclasses.fields(obj):
        result[field.name] = _value(getattr(obj, field.name))
        if field.name == "system_type":
            result["system_type_name"] = codes.system_type_name(
                obj.system_type, version_main=version
            )
        elif field.name == "component_type":
            result["component_type_name"] = codes.component_type_name(
                obj.component_type, version_main=version
            )
        elif field.name.endswith("_raw"):
            result[field.name.removesuffix("_raw")] = getattr(
                obj, field.name.removesuffix("_raw")
            )

    if hasattr(obj, "states"):
        result["states"] = sorted(obj.states)
    if hasattr(obj, "operations"):
        result["operations"] = sorted(obj.operations)
    if hasattr(obj, "kind"):
        kind = obj.kind
        result["analog_name"] = None if kind is None else kind.zh
        result["unit"] = None if kind is None else kind.unit
        result["value"] = obj.value
    if hasattr(obj, "version"):
        result["version"] = obj.version
    if hasattr(obj, "text") and not hasattr(obj, "text_raw"):
        result["text"] = obj.text
    return result


def _fact(fact) -> dict[str, Any]:
    return {
        "name": fact.name,
        "value": fact.value,
        "observed_at": _value(fact.observed_at),
        "point": None if fact.point is None else dataclasses.asdict(fact.point),
    }


def _name(name: codes.Name) -> dict[str, str]:
    return {"zh": name.zh, "en": name.en}


def _value(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return value
