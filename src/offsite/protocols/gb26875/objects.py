"""Information objects of the application data unit (§8.2, §8.3, table 3).

Each class reads one object from a `Reader` and writes it back byte for byte.
Text fields keep their raw bytes (padding included) so that a decoded frame
encodes to the same bytes; the decoded text is a property.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from offsite.protocols.gb26875 import codes
from offsite.protocols.gb26875.errors import FrameError
from offsite.protocols.gb26875.wire import (
    Reader,
    read_text,
    sint16,
    text_bytes,
    time_label,
    uint,
)

FOUR_FAITH = "four_faith"
DESCRIPTION_BYTES = 31


def description_field(text: str, *, pad: bytes = b"\x00") -> bytes:
    """Encode a component description: 31 bytes of GB18030 (§8.2.1.2)."""
    return text_bytes(text, field="description", size=DESCRIPTION_BYTES, pad=pad)


def _extension(version_main: int) -> str | None:
    return FOUR_FAITH if version_main == codes.FOUR_FAITH_MAIN_VERSION else None


def _component_bits(component_type: int, extension: str | None) -> dict[int, str]:
    if extension == FOUR_FAITH:
        vendor = codes.FOUR_FAITH_COMPONENT_STATUS_BITS.get(component_type)
        if vendor is not None:
            return vendor
    return codes.COMPONENT_STATUS_BITS


def _uses_test_bit(component_type: int, extension: str | None) -> bool:
    return not (
        extension == FOUR_FAITH
        and component_type in codes.FOUR_FAITH_COMPONENT_STATUS_BITS
    )


def _flags(flags: int, bits: dict[int, str]) -> frozenset[str]:
    return frozenset(name for bit, name in bits.items() if flags >> bit & 1)


# Upload types (§8.2.1).


@dataclass(frozen=True)
class SystemStatus:
    """Type 1: the state of a building fire-protection system (fig. 6)."""

    system_type: int
    system_address: int
    status: int
    occurred_at: datetime | None

    APP_TYPES: ClassVar[tuple[int, ...]] = (1,)
    SIZE: ClassVar[int | None] = 10

    @classmethod
    def read(cls, r: Reader, version_main: int) -> SystemStatus:
        return cls(
            r.byte("system type"),
            r.byte("system address"),
            r.uint(2, "status"),
            r.time(),
        )

    def to_bytes(self) -> bytes:
        return (
            uint(self.system_type, 1, field="system_type")
            + uint(self.system_address, 1, field="system_address")
            + uint(self.status, 2, field="status")
            + time_label(self.occurred_at, field="occurred_at")
        )

    @property
    def defined_states(self) -> tuple[str, ...]:
        return codes.defined_states(codes.SYSTEM_STATUS_BITS, test_bit=True)

    @property
    def states(self) -> frozenset[str]:
        return codes.status_states(self.status, codes.SYSTEM_STATUS_BITS, test_bit=True)


@dataclass(frozen=True)
class ComponentStatus:
    """Type 2: the state of one component, with its description (fig. 7).

    `extension` is "four_faith" when read from a main-version-2 frame, where
    some component types use the vendor's own status bits.
    """

    system_type: int
    system_address: int
    component_type: int
    component_address: int
    status: int
    description_raw: bytes
    occurred_at: datetime | None
    extension: str | None = None

    APP_TYPES: ClassVar[tuple[int, ...]] = (2,)
    SIZE: ClassVar[int | None] = 46

    @classmethod
    def read(cls, r: Reader, version_main: int) -> ComponentStatus:
        return cls(
            system_type=r.byte("system type"),
            system_address=r.byte("system address"),
            component_type=r.byte("component type"),
            component_address=r.uint(4, "component address"),
            status=r.uint(2, "status"),
            description_raw=r.take(DESCRIPTION_BYTES, "description"),
            occurred_at=r.time(),
            extension=_extension(version_main),
        )

    def to_bytes(self) -> bytes:
        return (
            uint(self.system_type, 1, field="system_type")
            + uint(self.system_address, 1, field="system_address")
            + uint(self.component_type, 1, field="component_type")
            + uint(self.component_address, 4, field="component_address")
            + uint(self.status, 2, field="status")
            + _fixed(self.description_raw, DESCRIPTION_BYTES, field="description_raw")
            + time_label(self.occurred_at, field="occurred_at")
        )

    @property
    def description(self) -> str:
        return read_text(self.description_raw)

    @property
    def defined_states(self) -> tuple[str, ...]:
        bits = _component_bits(self.component_type, self.extension)
        test_bit = _uses_test_bit(self.component_type, self.extension)
        return codes.defined_states(bits, test_bit=test_bit)

    @property
    def states(self) -> frozenset[str]:
        bits = _component_bits(self.component_type, self.extension)
        test_bit = _uses_test_bit(self.component_type, self.extension)
        return codes.status_states(self.status, bits, test_bit=test_bit)


@dataclass(frozen=True)
class AnalogValue:
    """Type 3: one analog reading of a component (table 6)."""

    system_type: int
    system_address: int
    component_type: int
    component_address: int
    analog_type: int
    raw_value: int
    occurred_at: datetime | None
    extension: str | None = None

    APP_TYPES: ClassVar[tuple[int, ...]] = (3,)
    SIZE: ClassVar[int | None] = 16

    @classmethod
    def read(cls, r: Reader, version_main: int) -> AnalogValue:
        return cls(
            system_type=r.byte("system type"),
            system_address=r.byte("system address"),
            component_type=r.byte("component type"),
            component_address=r.uint(4, "component address"),
            analog_type=r.byte("analog type"),
            raw_value=r.sint16("analog value"),
            occurred_at=r.time(),
            extension=_extension(version_main),
        )

    def to_bytes(self) -> bytes:
        return (
            uint(self.system_type, 1, field="system_type")
            + uint(self.system_address, 1, field="system_address")
            + uint(self.component_type, 1, field="component_type")
            + uint(self.component_address, 4, field="component_address")
            + uint(self.analog_type, 1, field="analog_type")
            + sint16(self.raw_value, field="raw_value")
            + time_label(self.occurred_at, field="occurred_at")
        )

    @property
    def kind(self) -> codes.AnalogKind | None:
        version = codes.FOUR_FAITH_MAIN_VERSION if self.extension == FOUR_FAITH else 1
        return codes.analog_kind(self.analog_type, version_main=version)

    @property
    def value(self) -> float | None:
        """Return the value in the unit of table 6, None for an unknown type."""
        kind = self.kind
        return None if kind is None else float(self.raw_value * kind.resolution)


@dataclass(frozen=True)
class FacilityOperation:
    """Type 4: an operation on a building fire-protection system (fig. 9)."""

    system_type: int
    system_address: int
    flags: int
    operator: int
    occurred_at: datetime | None

    APP_TYPES: ClassVar[tuple[int, ...]] = (4,)
    SIZE: ClassVar[int | None] = 10

    @classmethod
    def read(cls, r: Reader, version_main: int) -> FacilityOperation:
        return cls(
            r.byte("system type"),
            r.byte("system address"),
            r.byte("operation flags"),
            r.byte("operator"),
            r.time(),
        )

    def to_bytes(self) -> bytes:
        return (
            uint(self.system_type, 1, field="system_type")
            + uint(self.system_address, 1, field="system_address")
            + uint(self.flags, 1, field="flags")
            + uint(self.operator, 1, field="operator")
            + time_label(self.occurred_at, field="occurred_at")
        )

    @property
    def operations(self) -> frozenset[str]:
        return _flags(self.flags, codes.FACILITY_OPERATION_BITS)


@dataclass(frozen=True)
class FacilitySoftwareVersion:
    """Type 5: software version of a system's controller (no time label)."""

    system_type: int
    system_address: int
    major: int
    minor: int

    APP_TYPES: ClassVar[tuple[int, ...]] = (5,)
    SIZE: ClassVar[int | None] = 4

    @classmethod
    def read(cls, r: Reader, version_main: int) -> FacilitySoftwareVersion:
        return cls(
            r.byte("system type"),
            r.byte("system address"),
            r.byte("major version"),
            r.byte("minor version"),
        )

    def to_bytes(self) -> bytes:
        return (
            uint(self.system_type, 1, field="system_type")
            + uint(self.system_address, 1, field="system_address")
            + uint(self.major, 1, field="major")
            + uint(self.minor, 1, field="minor")
        )

    @property
    def version(self) -> str:
        return f"{self.major}.{self.minor}"


@dataclass(frozen=True)
class FacilitySystemConfig:
    """Type 6: a system's configuration as free text (length byte + text)."""

    system_type: int
    system_address: int
    text_raw: bytes

    APP_TYPES: ClassVar[tuple[int, ...]] = (6,)
    SIZE: ClassVar[int | None] = None

    @classmethod
    def read(cls, r: Reader, version_main: int) -> FacilitySystemConfig:
        return cls(
            r.byte("system type"),
            r.byte("system address"),
            r.counted("configuration text"),
        )

    def to_bytes(self) -> bytes:
        return (
            uint(self.system_type, 1, field="system_type")
            + uint(self.system_address, 1, field="system_address")
            + _counted(self.text_raw, field="text_raw")
        )

    @property
    def text(self) -> str:
        return read_text(self.text_raw)


@dataclass(frozen=True)
class ComponentConfig:
    """Type 7: a component's configured description (no time label)."""

    system_type: int
    system_address: int
    component_type: int
    component_address: int
    description_raw: bytes

    APP_TYPES: ClassVar[tuple[int, ...]] = (7,)
    SIZE: ClassVar[int | None] = 38

    @classmethod
    def read(cls, r: Reader, version_main: int) -> ComponentConfig:
        return cls(
            system_type=r.byte("system type"),
            system_address=r.byte("system address"),
            component_type=r.byte("component type"),
            component_address=r.uint(4, "component address"),
            description_raw=r.take(DESCRIPTION_BYTES, "description"),
        )

    def to_bytes(self) -> bytes:
        return (
            uint(self.system_type, 1, field="system_type")
            + uint(self.system_address, 1, field="system_address")
            + uint(self.component_type, 1, field="component_type")
            + uint(self.component_address, 4, field="component_address")
            + _fixed(self.description_raw, DESCRIPTION_BYTES, field="description_raw")
        )

    @property
    def description(self) -> str:
        return read_text(self.description_raw)


@dataclass(frozen=True)
class FacilityClock:
    """Type 8: the clock of a system's controller."""

    system_type: int
    system_address: int
    clock: datetime | None

    APP_TYPES: ClassVar[tuple[int, ...]] = (8,)
    SIZE: ClassVar[int | None] = 8

    @classmethod
    def read(cls, r: Reader, version_main: int) -> FacilityClock:
        return cls(r.byte("system type"), r.byte("system address"), r.time("clock"))

    def to_bytes(self) -> bytes:
        return (
            uint(self.system_type, 1, field="system_type")
            + uint(self.system_address, 1, field="system_address")
            + time_label(self.clock, field="clock")
        )


@dataclass(frozen=True)
class DeviceStatus:
    """Type 21: the state of the transmission device itself (fig. 13)."""

    status: int
    occurred_at: datetime | None

    APP_TYPES: ClassVar[tuple[int, ...]] = (21,)
    SIZE: ClassVar[int | None] = 7

    @classmethod
    def read(cls, r: Reader, version_main: int) -> DeviceStatus:
        return cls(r.byte("status"), r.time())

    def to_bytes(self) -> bytes:
        return uint(self.status, 1, field="status") + time_label(
            self.occurred_at, field="occurred_at"
        )

    @property
    def defined_states(self) -> tuple[str, ...]:
        return codes.defined_states(codes.DEVICE_STATUS_BITS, test_bit=True)

    @property
    def states(self) -> frozenset[str]:
        return codes.status_states(self.status, codes.DEVICE_STATUS_BITS, test_bit=True)


@dataclass(frozen=True)
class DeviceOperation:
    """Type 24: an operation on the transmission device (fig. 14)."""

    flags: int
    operator: int
    occurred_at: datetime | None

    APP_TYPES: ClassVar[tuple[int, ...]] = (24,)
    SIZE: ClassVar[int | None] = 8

    @classmethod
    def read(cls, r: Reader, version_main: int) -> DeviceOperation:
        return cls(r.byte("operation flags"), r.byte("operator"), r.time())

    def to_bytes(self) -> bytes:
        return (
            uint(self.flags, 1, field="flags")
            + uint(self.operator, 1, field="operator")
            + time_label(self.occurred_at, field="occurred_at")
        )

    @property
    def operations(self) -> frozenset[str]:
        return _flags(self.flags, codes.DEVICE_OPERATION_BITS)


@dataclass(frozen=True)
class DeviceSoftwareVersion:
    """Type 25: software version of the transmission device."""

    major: int
    minor: int

    APP_TYPES: ClassVar[tuple[int, ...]] = (25,)
    SIZE: ClassVar[int | None] = 2

    @classmethod
    def read(cls, r: Reader, version_main: int) -> DeviceSoftwareVersion:
        return cls(r.byte("major version"), r.byte("minor version"))

    def to_bytes(self) -> bytes:
        return uint(self.major, 1, field="major") + uint(self.minor, 1, field="minor")

    @property
    def version(self) -> str:
        return f"{self.major}.{self.minor}"


@dataclass(frozen=True)
class DeviceConfig:
    """Type 26: the transmission device's configuration as free text."""

    text_raw: bytes

    APP_TYPES: ClassVar[tuple[int, ...]] = (26,)
    SIZE: ClassVar[int | None] = None

    @classmethod
    def read(cls, r: Reader, version_main: int) -> DeviceConfig:
        return cls(r.counted("configuration text"))

    def to_bytes(self) -> bytes:
        return _counted(self.text_raw, field="text_raw")

    @property
    def text(self) -> str:
        return read_text(self.text_raw)


@dataclass(frozen=True)
class DeviceClock:
    """Type 28: the transmission device's clock; Haiwan sends it as keep-alive."""

    clock: datetime | None

    APP_TYPES: ClassVar[tuple[int, ...]] = (28,)
    SIZE: ClassVar[int | None] = 6

    @classmethod
    def read(cls, r: Reader, version_main: int) -> DeviceClock:
        return cls(r.time("clock"))

    def to_bytes(self) -> bytes:
        return time_label(self.clock, field="clock")


# Downlink types (§8.3): the centre reads or commands the transmission device.


@dataclass(frozen=True)
class SystemQuery:
    """Types 61, 65, 66, 68: read something of one system."""

    system_type: int
    system_address: int

    APP_TYPES: ClassVar[tuple[int, ...]] = (61, 65, 66, 68)
    SIZE: ClassVar[int | None] = 2

    @classmethod
    def read(cls, r: Reader, version_main: int) -> SystemQuery:
        return cls(r.byte("system type"), r.byte("system address"))

    def to_bytes(self) -> bytes:
        return uint(self.system_type, 1, field="system_type") + uint(
            self.system_address, 1, field="system_address"
        )


@dataclass(frozen=True)
class ComponentQuery:
    """Types 62, 63, 67: read something of one component (no component type)."""

    system_type: int
    system_address: int
    component_address: int

    APP_TYPES: ClassVar[tuple[int, ...]] = (62, 63, 67)
    SIZE: ClassVar[int | None] = 6

    @classmethod
    def read(cls, r: Reader, version_main: int) -> ComponentQuery:
        return cls(
            r.byte("system type"),
            r.byte("system address"),
            r.uint(4, "component address"),
        )

    def to_bytes(self) -> bytes:
        return (
            uint(self.system_type, 1, field="system_type")
            + uint(self.system_address, 1, field="system_address")
            + uint(self.component_address, 4, field="component_address")
        )


@dataclass(frozen=True)
class OperationLogQuery:
    """Type 64: read up to `count` facility operations from `start_at`."""

    system_type: int
    system_address: int
    count: int
    start_at: datetime | None

    APP_TYPES: ClassVar[tuple[int, ...]] = (64,)
    SIZE: ClassVar[int | None] = 9

    @classmethod
    def read(cls, r: Reader, version_main: int) -> OperationLogQuery:
        return cls(
            r.byte("system type"),
            r.byte("system address"),
            r.byte("count"),
            r.time("start time"),
        )

    def to_bytes(self) -> bytes:
        return (
            uint(self.system_type, 1, field="system_type")
            + uint(self.system_address, 1, field="system_address")
            + uint(self.count, 1, field="count")
            + time_label(self.start_at, field="start_at")
        )


@dataclass(frozen=True)
class DeviceQuery:
    """Types 81, 85, 86, 88, 89: a request to the device with one reserved byte."""

    reserved: int = 0

    APP_TYPES: ClassVar[tuple[int, ...]] = (81, 85, 86, 88, 89)
    SIZE: ClassVar[int | None] = 1

    @classmethod
    def read(cls, r: Reader, version_main: int) -> DeviceQuery:
        return cls(r.byte("reserved"))

    def to_bytes(self) -> bytes:
        return uint(self.reserved, 1, field="reserved")


@dataclass(frozen=True)
class DeviceOperationLogQuery:
    """Type 84: read up to `count` device operations from `start_at`."""

    count: int
    start_at: datetime | None

    APP_TYPES: ClassVar[tuple[int, ...]] = (84,)
    SIZE: ClassVar[int | None] = 7

    @classmethod
    def read(cls, r: Reader, version_main: int) -> DeviceOperationLogQuery:
        return cls(r.byte("count"), r.time("start time"))

    def to_bytes(self) -> bytes:
        return uint(self.count, 1, field="count") + time_label(
            self.start_at, field="start_at"
        )


@dataclass(frozen=True)
class ClockSync:
    """Type 90: set the device's clock to the centre's time."""

    clock: datetime | None

    APP_TYPES: ClassVar[tuple[int, ...]] = (90,)
    SIZE: ClassVar[int | None] = 6

    @classmethod
    def read(cls, r: Reader, version_main: int) -> ClockSync:
        return cls(r.time("clock"))

    def to_bytes(self) -> bytes:
        return time_label(self.clock, field="clock")


@dataclass(frozen=True)
class DutyCheck:
    """Type 91: duty check; the operator must answer within the timeout (fig. 46).

    The answer is a type 24 upload with bit 5 (查岗应答) set.
    """

    timeout_minutes: int

    APP_TYPES: ClassVar[tuple[int, ...]] = (91,)
    SIZE: ClassVar[int | None] = 1

    @classmethod
    def read(cls, r: Reader, version_main: int) -> DutyCheck:
        return cls(r.byte("answer timeout"))

    def to_bytes(self) -> bytes:
        return uint(self.timeout_minutes, 1, field="timeout_minutes")


# Four-Faith extension (main version 2).


@dataclass(frozen=True)
class PrinterLine:
    """Type 9: one printer line captured by a Four-Faith parser card.

    Layout: channel, host number, two reserved bytes (`33 33`), alarm type,
    then name, location and info, each a length byte and GB18030 text, and a
    time label. Alarm type bits: 0 normal (0 = test), 1 alarm, 2 fault,
    3 operation.
    """

    channel: int
    host_number: int
    reserved: bytes
    alarm_type: int
    name_raw: bytes
    location_raw: bytes
    info_raw: bytes
    occurred_at: datetime | None

    APP_TYPES: ClassVar[tuple[int, ...]] = (9,)
    SIZE: ClassVar[int | None] = None

    @classmethod
    def read(cls, r: Reader, version_main: int) -> PrinterLine:
        return cls(
            channel=r.byte("channel"),
            host_number=r.byte("host number"),
            reserved=r.take(2, "reserved"),
            alarm_type=r.byte("alarm type"),
            name_raw=r.counted("name"),
            location_raw=r.counted("location"),
            info_raw=r.counted("info"),
            occurred_at=r.time(),
        )

    def to_bytes(self) -> bytes:
        return (
            uint(self.channel, 1, field="channel")
            + uint(self.host_number, 1, field="host_number")
            + _fixed(self.reserved, 2, field="reserved")
            + uint(self.alarm_type, 1, field="alarm_type")
            + _counted(self.name_raw, field="name_raw")
            + _counted(self.location_raw, field="location_raw")
            + _counted(self.info_raw, field="info_raw")
            + time_label(self.occurred_at, field="occurred_at")
        )

    @property
    def name(self) -> str:
        return read_text(self.name_raw)

    @property
    def location(self) -> str:
        return read_text(self.location_raw)

    @property
    def info(self) -> str:
        return read_text(self.info_raw)

    @property
    def text(self) -> str:
        """Return "name | location | info", leaving out empty parts."""
        return " | ".join(
            part for part in (self.name, self.location, self.info) if part
        )

    @property
    def states(self) -> frozenset[str]:
        return codes.status_states(
            self.alarm_type, codes.PRINTER_ALARM_BITS, test_bit=True
        )


# Types 130..132 add a channel type and a channel number to types 1..3. The
# extension's tables only name the two bytes; their place just before the time
# label is inferred from the vendor's parser, not from a captured frame.


@dataclass(frozen=True)
class ChannelSystemStatus:
    """Type 130: a system status (fig. 6) with channel type and number."""

    system_type: int
    system_address: int
    status: int
    channel_type: int
    channel_number: int
    occurred_at: datetime | None

    APP_TYPES: ClassVar[tuple[int, ...]] = (130,)
    SIZE: ClassVar[int | None] = 12

    @classmethod
    def read(cls, r: Reader, version_main: int) -> ChannelSystemStatus:
        return cls(
            system_type=r.byte("system type"),
            system_address=r.byte("system address"),
            status=r.uint(2, "status"),
            channel_type=r.byte("channel type"),
            channel_number=r.byte("channel number"),
            occurred_at=r.time(),
        )

    def to_bytes(self) -> bytes:
        return (
            uint(self.system_type, 1, field="system_type")
            + uint(self.system_address, 1, field="system_address")
            + uint(self.status, 2, field="status")
            + uint(self.channel_type, 1, field="channel_type")
            + uint(self.channel_number, 1, field="channel_number")
            + time_label(self.occurred_at, field="occurred_at")
        )

    @property
    def defined_states(self) -> tuple[str, ...]:
        return codes.defined_states(codes.SYSTEM_STATUS_BITS, test_bit=True)

    @property
    def states(self) -> frozenset[str]:
        return codes.status_states(self.status, codes.SYSTEM_STATUS_BITS, test_bit=True)


@dataclass(frozen=True)
class ChannelComponentStatus:
    """Type 131: a component status (fig. 7) with channel type and number."""

    system_type: int
    system_address: int
    component_type: int
    component_address: int
    status: int
    description_raw: bytes
    channel_type: int
    channel_number: int
    occurred_at: datetime | None

    APP_TYPES: ClassVar[tuple[int, ...]] = (131,)
    SIZE: ClassVar[int | None] = 48
    extension: ClassVar[str] = FOUR_FAITH

    @classmethod
    def read(cls, r: Reader, version_main: int) -> ChannelComponentStatus:
        return cls(
            system_type=r.byte("system type"),
            system_address=r.byte("system address"),
            component_type=r.byte("component type"),
            component_address=r.uint(4, "component address"),
            status=r.uint(2, "status"),
            description_raw=r.take(DESCRIPTION_BYTES, "description"),
            channel_type=r.byte("channel type"),
            channel_number=r.byte("channel number"),
            occurred_at=r.time(),
        )

    def to_bytes(self) -> bytes:
        return (
            uint(self.system_type, 1, field="system_type")
            + uint(self.system_address, 1, field="system_address")
            + uint(self.component_type, 1, field="component_type")
            + uint(self.component_address, 4, field="component_address")
            + uint(self.status, 2, field="status")
            + _fixed(self.description_raw, DESCRIPTION_BYTES, field="description_raw")
            + uint(self.channel_type, 1, field="channel_type")
            + uint(self.channel_number, 1, field="channel_number")
            + time_label(self.occurred_at, field="occurred_at")
        )

    @property
    def description(self) -> str:
        return read_text(self.description_raw)

    @property
    def defined_states(self) -> tuple[str, ...]:
        bits = _component_bits(self.component_type, FOUR_FAITH)
        test_bit = _uses_test_bit(self.component_type, FOUR_FAITH)
        return codes.defined_states(bits, test_bit=test_bit)

    @property
    def states(self) -> frozenset[str]:
        bits = _component_bits(self.component_type, FOUR_FAITH)
        test_bit = _uses_test_bit(self.component_type, FOUR_FAITH)
        return codes.status_states(self.status, bits, test_bit=test_bit)


@dataclass(frozen=True)
class ChannelAnalogValue:
    """Type 132: an analog value (table 6 and vendor codes) with its channel."""

    system_type: int
    system_address: int
    component_type: int
    component_address: int
    analog_type: int
    raw_value: int
    channel_type: int
    channel_number: int
    occurred_at: datetime | None

    APP_TYPES: ClassVar[tuple[int, ...]] = (132,)
    SIZE: ClassVar[int | None] = 18
    extension: ClassVar[str] = FOUR_FAITH

    @classmethod
    def read(cls, r: Reader, version_main: int) -> ChannelAnalogValue:
        return cls(
            system_type=r.byte("system type"),
            system_address=r.byte("system address"),
            component_type=r.byte("component type"),
            component_address=r.uint(4, "component address"),
            analog_type=r.byte("analog type"),
            raw_value=r.sint16("analog value"),
            channel_type=r.byte("channel type"),
            channel_number=r.byte("channel number"),
            occurred_at=r.time(),
        )

    def to_bytes(self) -> bytes:
        return (
            uint(self.system_type, 1, field="system_type")
            + uint(self.system_address, 1, field="system_address")
            + uint(self.component_type, 1, field="component_type")
            + uint(self.component_address, 4, field="component_address")
            + uint(self.analog_type, 1, field="analog_type")
            + sint16(self.raw_value, field="raw_value")
            + uint(self.channel_type, 1, field="channel_type")
            + uint(self.channel_number, 1, field="channel_number")
            + time_label(self.occurred_at, field="occurred_at")
        )

    @property
    def kind(self) -> codes.AnalogKind | None:
        return codes.analog_kind(
            self.analog_type, version_main=codes.FOUR_FAITH_MAIN_VERSION
        )

    @property
    def value(self) -> float | None:
        kind = self.kind
        return None if kind is None else float(self.raw_value * kind.resolution)


@dataclass(frozen=True)
class RawObjects:
    """The objects of a type this codec does not read, kept byte for byte.

    Vendor types (Haiwan 200/201/205/135/204, Fubei 150, …) land here; the
    frame is still valid and is still acknowledged.
    """

    app_type: int
    data: bytes
    count: int = 1

    def to_bytes(self) -> bytes:
        return self.data


InfoObject = (
    SystemStatus
    | ComponentStatus
    | AnalogValue
    | FacilityOperation
    | FacilitySoftwareVersion
    | FacilitySystemConfig
    | ComponentConfig
    | FacilityClock
    | DeviceStatus
    | DeviceOperation
    | DeviceSoftwareVersion
    | DeviceConfig
    | DeviceClock
    | SystemQuery
    | ComponentQuery
    | OperationLogQuery
    | DeviceQuery
    | DeviceOperationLogQuery
    | ClockSync
    | DutyCheck
    | PrinterLine
    | ChannelSystemStatus
    | ChannelComponentStatus
    | ChannelAnalogValue
    | RawObjects
)

STANDARD_CLASSES: dict[int, type] = {
    app_type: cls
    for cls in (
        SystemStatus,
        ComponentStatus,
        AnalogValue,
        FacilityOperation,
        FacilitySoftwareVersion,
        FacilitySystemConfig,
        ComponentConfig,
        FacilityClock,
        DeviceStatus,
        DeviceOperation,
        DeviceSoftwareVersion,
        DeviceConfig,
        DeviceClock,
        SystemQuery,
        ComponentQuery,
        OperationLogQuery,
        DeviceQuery,
        DeviceOperationLogQuery,
        ClockSync,
        DutyCheck,
    )
    for app_type in cls.APP_TYPES
}
FOUR_FAITH_CLASSES: dict[int, type] = {
    app_type: cls
    for cls in (
        PrinterLine,
        ChannelSystemStatus,
        ChannelComponentStatus,
        ChannelAnalogValue,
    )
    for app_type in cls.APP_TYPES
}


def object_class(app_type: int, *, version_main: int) -> type | None:
    """Return the class that reads a type flag, or None to keep it raw."""
    if version_main == codes.FOUR_FAITH_MAIN_VERSION and app_type in FOUR_FAITH_CLASSES:
        return FOUR_FAITH_CLASSES[app_type]
    return STANDARD_CLASSES.get(app_type)


def decode_adu(
    adu: bytes, *, version_main: int
) -> tuple[int | None, tuple[InfoObject, ...]]:
    """Read an application data unit: its type flag and its objects."""
    if not adu:
        return None, ()
    if len(adu) == 1:
        raise FrameError("adu", f"type {adu[0]}: the object count byte is missing")

    app_type, count, body = adu[0], adu[1], adu[2:]
    cls = object_class(app_type, version_main=version_main)
    if cls is None:
        return app_type, (RawObjects(app_type, body, count),)

    name = codes.app_type_name(app_type, version_main=version_main).en
    if cls.SIZE is not None and len(body) != count * cls.SIZE:
        raise FrameError(
            "adu",
            f"type {app_type} ({name}): {count} object(s) of {cls.SIZE} bytes "
            f"need {count * cls.SIZE} bytes, the ADU carries {len(body)}",
        )

    reader = Reader(body, app_type=app_type)
    objects = []
    for index in range(count):
        reader.index = index
        objects.append(cls.read(reader, version_main))
    if reader.remaining:
        raise FrameError(
            "adu",
            f"type {app_type} ({name}): {reader.remaining} byte(s) left after "
            f"{count} object(s)",
        )
    return app_type, tuple(objects)


def encode_adu(
    app_type: int | None, objects: Sequence[InfoObject], *, version_main: int
) -> bytes:
    """Write an application data unit from a type flag and its objects."""
    if app_type is None:
        if objects:
            raise FrameError("app_type", "objects were given without a type flag")
        return b""
    uint(app_type, 1, field="app_type")

    if len(objects) == 1 and isinstance(objects[0], RawObjects):
        raw = objects[0]
        if raw.app_type != app_type:
            raise FrameError(
                "objects", f"raw objects of type {raw.app_type} under type {app_type}"
            )
        return bytes((app_type,)) + uint(raw.count, 1, field="count") + raw.data

    cls = object_class(app_type, version_main=version_main)
    if cls is None:
        raise FrameError(
            "objects",
            f"type {app_type} is kept raw in main version {version_main}: "
            "give one RawObjects",
        )
    for obj in objects:
        if type(obj) is not cls:
            raise FrameError(
                "objects",
                f"type {app_type} carries {cls.__name__}, not {type(obj).__name__}",
            )
    count = uint(len(objects), 1, field="count")
    return bytes((app_type,)) + count + b"".join(obj.to_bytes() for obj in objects)


def _fixed(raw: bytes, size: int, *, field: str) -> bytes:
    if len(raw) != size:
        raise FrameError(field, f"{len(raw)} bytes, the field is {size} bytes")
    return raw


def _counted(raw: bytes, *, field: str) -> bytes:
    return uint(len(raw), 1, field=field) + raw
