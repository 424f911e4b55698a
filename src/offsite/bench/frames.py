"""Synthetic GB/T 26875.3 frames shaped like the captures, for the benchmark.

The shapes are those of `/work/shared/data/gb26875/`: Haiwan (main version 1,
user version 1) type 28 keep-alives and type 2 component status with a
31-byte space-padded description, and Four-Faith (main version 2, user
version 3) type 9 printer lines in GB18030. Every frame of one device
carries its own serial and a time label one second after the last, so no
two frames are duplicates of each other (the same device sending the same
bytes again would be).

Frames are built with `struct` rather than `gb26875.build`, which is too
slow to feed a ten-minute burst; the bench test decodes a sample of each
shape with the codec to show the two agree.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

START = b"@@"
END = b"##"
COMMAND_SEND = 2  # table 2: 发送数据

KEEP_ALIVE = "keep_alive"
STATUS = "status"
STATUS_ALARM = "status_alarm"
PRINTER = "printer"
PRINTER_ALARM = "printer_alarm"
PROBE_ALARM = "probe_alarm"
KINDS = (KEEP_ALIVE, STATUS, STATUS_ALARM, PRINTER, PRINTER_ALARM, PROBE_ALARM)

# Component status words (GB/T 26875.3 fig. 7): bit 0 set is "running, not
# a test"; bit 1 is the fire alarm.
STATUS_NORMAL = 0x0001
STATUS_FIRE_ALARM = 0x0003
COMPONENT_TYPE_SMOKE = 17  # the type of the Haiwan capture's alarming detector

# Printer line alarm type (Four-Faith §9): bit 0 "not a test", bit 1 alarm.
PRINTER_NORMAL = 0x01
PRINTER_FIRE_ALARM = 0x03

DESCRIPTION_BYTES = 31
COMPONENTS_PER_DEVICE = 40
ALARM_COMPONENT = 1  # the one component of an alarming device that alarms
PROBE_COMPONENT_BASE = 1_000_000

PRINTER_ROOMS = ("1层大堂", "2层走廊", "3层配电室", "地下1层泵房", "5层办公区")
PRINTER_DEVICES = ("感烟探测器", "感温探测器", "手动报警按钮", "输入模块")


@dataclass(frozen=True)
class Mix:
    """What share of the frames is of each shape (the rest are keep-alives)."""

    status: float = 0.20
    printer: float = 0.10
    # Of status and printer frames, the share that report a fire alarm; they
    # come from the devices in `alarming_devices` only.
    alarm: float = 0.02


@dataclass(frozen=True)
class SyntheticFrame:
    data: bytes
    kind: str
    device_index: int
    point_code: str | None = None


@dataclass
class BenchDevice:
    address: int
    vendor: str  # "haiwan" or "four_faith"
    sent: int = 0

    @property
    def source_hex(self) -> str:
        return f"{self.address:012x}"


def device_address(index: int) -> int:
    """Return the source address of the bench's device number `index`."""
    return 0x6200_0000_0000 + index


def time_label(moment: datetime) -> bytes:
    """Write a time label: second, minute, hour, day, month, year − 2000."""
    return bytes(
        (
            moment.second,
            moment.minute,
            moment.hour,
            moment.day,
            moment.month,
            moment.year - 2000,
        )
    )


def frame(
    *,
    serial: int,
    version: tuple[int, int],
    sent_at: datetime,
    source: int,
    app_type: int,
    objects: bytes,
    count: int = 1,
) -> bytes:
    """Assemble a device-to-centre frame around the objects' bytes."""
    adu = bytes((app_type, count)) + objects
    body = (
        struct.pack("<HBB", serial & 0xFFFF, *version)
        + time_label(sent_at)
        + source.to_bytes(6, "little")
        + bytes(6)
        + struct.pack("<HB", len(adu), COMMAND_SEND)
        + adu
    )
    return START + body + bytes((sum(body) & 0xFF,)) + END


def keep_alive(*, serial: int, source: int, at: datetime) -> bytes:
    """Haiwan type 28: the device's clock, every ~25 s (a sign of life)."""
    return frame(
        serial=serial,
        version=(1, 1),
        sent_at=at,
        source=source,
        app_type=28,
        objects=time_label(at),
    )


def component_status(
    *, serial: int, source: int, at: datetime, component: int, status: int
) -> bytes:
    """Haiwan type 2: one component's status word, description padded."""
    obj = (
        struct.pack("<BBBIH", 1, 1, COMPONENT_TYPE_SMOKE, component, status)
        + b" " * DESCRIPTION_BYTES
        + time_label(at)
    )
    return frame(
        serial=serial,
        version=(1, 1),
        sent_at=at,
        source=source,
        app_type=2,
        objects=obj,
    )


def printer_line(
    *, serial: int, source: int, at: datetime, name: str, room: str, alarm: bool
) -> bytes:
    """Four-Faith type 9: one printed line of the controller, GB18030 text."""
    info = "首次火警" if alarm else "故障恢复"
    texts = b"".join(
        bytes((len(raw),)) + raw
        for raw in (t.encode("gb18030") for t in (name, room, info))
    )
    alarm_type = PRINTER_FIRE_ALARM if alarm else PRINTER_NORMAL
    obj = bytes((0, 0)) + b"33" + bytes((alarm_type,)) + texts + time_label(at)
    return frame(
        serial=serial,
        version=(2, 3),
        sent_at=at,
        source=source,
        app_type=9,
        objects=obj,
    )


def printer_point(name: str, room: str) -> str:
    """Return the point code the codec gives a printer line (channel-host-…)."""
    return f"0-0-{name}-{room}"


class FrameFactory:
    """Deal frames round the devices in a fixed, seeded order.

    Devices with index below `alarming_devices` carry one point in fire
    alarm; their alarm frames are `mix.alarm` of their status and printer
    frames. One device in five is a Four-Faith parser card, which sends
    printer lines; the others are Haiwan devices. `start` is the device
    clock of the first frame; each device's clock then runs one second per
    frame it sends, so every frame is unique.
    """

    def __init__(
        self,
        *,
        devices: int,
        start: datetime,
        seed: int = 26875,
        mix: Mix = Mix(),  # noqa: B008 - frozen
        alarming_devices: int = 10,
        first_device: int = 0,
    ):
        self.devices = [
            BenchDevice(
                address=device_address(first_device + i),
                vendor="four_faith" if i % 5 == 4 else "haiwan",
            )
            for i in range(devices)
        ]
        self._haiwan = [i for i, d in enumerate(self.devices) if d.vendor == "haiwan"]
        self._four_faith = [
            i for i, d in enumerate(self.devices) if d.vendor == "four_faith"
        ]
        self.start = start
        self.mix = mix
        self.alarming_devices = alarming_devices
        self.random = random.Random(seed)
        self.probes = 0

    def _next(self, index: int) -> tuple[BenchDevice, int, datetime]:
        device = self.devices[index]
        count = device.sent
        device.sent += 1
        return device, count, self.start + timedelta(seconds=count)

    def next_frame(self) -> SyntheticFrame:
        """Return the next frame of the mix."""
        draw = self.random.random()
        mix = self.mix
        if draw < mix.printer and self._four_faith:
            return self._printer(self.random.choice(self._four_faith))
        if draw < mix.printer + mix.status:
            return self._status(self.random.choice(self._haiwan))
        return self._keep_alive(self.random.choice(self._haiwan))

    def frames(self, n: int) -> list[SyntheticFrame]:
        return [self.next_frame() for _ in range(n)]

    def stream(self) -> Iterator[SyntheticFrame]:
        while True:
            yield self.next_frame()

    def _keep_alive(self, index: int) -> SyntheticFrame:
        device, count, at = self._next(index)
        data = keep_alive(serial=count, source=device.address, at=at)
        return SyntheticFrame(data, KEEP_ALIVE, index)

    def _alarms(self, index: int) -> bool:
        return index < self.alarming_devices and self.random.random() < self.mix.alarm

    def _status(self, index: int) -> SyntheticFrame:
        device, count, at = self._next(index)
        alarm = self._alarms(index)
        component = (
            ALARM_COMPONENT
            if alarm
            else 2 + self.random.randrange(COMPONENTS_PER_DEVICE - 1)
        )
        data = component_status(
            serial=count,
            source=device.address,
            at=at,
            component=component,
            status=STATUS_FIRE_ALARM if alarm else STATUS_NORMAL,
        )
        return SyntheticFrame(
            data, STATUS_ALARM if alarm else STATUS, index, f"1-1-{component}"
        )

    def _printer(self, index: int) -> SyntheticFrame:
        device, count, at = self._next(index)
        alarm = self._alarms(index)
        if alarm:
            name, room = PRINTER_DEVICES[0], PRINTER_ROOMS[0]
        else:
            name = self.random.choice(PRINTER_DEVICES[1:])
            room = self.random.choice(PRINTER_ROOMS)
        data = printer_line(
            serial=count,
            source=device.address,
            at=at,
            name=name,
            room=room,
            alarm=alarm,
        )
        return SyntheticFrame(
            data, PRINTER_ALARM if alarm else PRINTER, index, printer_point(name, room)
        )

    def probe_alarm(self, index: int) -> SyntheticFrame:
        """Return a fire alarm on a point never seen before (opens an event)."""
        device, count, at = self._next(index)
        self.probes += 1
        component = PROBE_COMPONENT_BASE + self.probes
        data = component_status(
            serial=count,
            source=device.address,
            at=at,
            component=component,
            status=STATUS_FIRE_ALARM,
        )
        return SyntheticFrame(data, PROBE_ALARM, index, f"1-1-{component}")
