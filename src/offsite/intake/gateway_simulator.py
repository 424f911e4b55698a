"""A device simulator: send a capture file's frames to a gateway, show the replies.

It behaves as a transmission device would: one TCP connection, one frame
at a time, waiting for the centre's answer before the next. It can also
answer what the centre starts: a roll-call (type 91) with the duty
officer's answer (type 24, bit 5), a clock sync (type 90) with a confirm.
"""

from __future__ import annotations

import binascii
import dataclasses
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from offsite.protocols import gb26875
from offsite.protocols.gb26875 import codes

logger = logging.getLogger(__name__)

# GB/T 26875.3 time labels are the device's wall clock in Beijing.
BEIJING = ZoneInfo("Asia/Shanghai")

# Serials the simulator starts itself (answers to roll-calls) begin here,
# far from the serials in the capture files.
OWN_SERIAL_START = 0xF000


class GatewayUnreachableError(ConnectionError):
    """The simulator could not connect to the gateway."""


@dataclass
class SimulationSummary:
    sent: int = 0
    confirmed: int = 0
    denied: int = 0
    heartbeat_replies: int = 0
    unanswered: int = 0
    commands_received: int = 0
    lines: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {
            "sent": self.sent,
            "confirmed": self.confirmed,
            "denied": self.denied,
            "heartbeat_replies": self.heartbeat_replies,
            "unanswered": self.unanswered,
            "commands_received": self.commands_received,
        }


def capture_frames(path: Path) -> list[tuple[int, bytes]]:
    """Return (line number, bytes) of each frame line of a capture file."""
    frames = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = "".join(line.split("#", 1)[0].split())
        if not text:
            continue
        try:
            frames.append((number, binascii.unhexlify(text)))
        except (binascii.Error, ValueError):
            raise ValueError(
                f"capture: line {number} of {path} is not an even run of hex digits"
            ) from None
    return frames


class DeviceSimulator:
    """One simulated device connection to a gateway."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        reply_seconds: float = 2.0,
        answer_commands: bool = True,
        write: Callable[[str], None] = print,
    ) -> None:
        self.reply_seconds = reply_seconds
        self.answer_commands = answer_commands
        self.write = write
        self.summary = SimulationSummary()
        self._splitter = gb26875.FrameSplitter()
        self._pending: list[bytes] = []
        self._serial = OWN_SERIAL_START
        try:
            self._socket = socket.create_connection((host, port), timeout=10)
        except OSError as error:
            raise GatewayUnreachableError(
                f"cannot reach {host}:{port}: {error}"
            ) from None

    def close(self) -> None:
        self._socket.close()

    def send(self, data: bytes, *, label: str) -> bytes | None:
        """Send one frame and wait for its answer; return it, or None."""
        self._socket.sendall(data)
        self.summary.sent += 1
        serial = _serial_of(data)
        deadline = time.monotonic() + self.reply_seconds
        while time.monotonic() < deadline:
            for reply in self._receive(deadline):
                if _answers(reply, data, serial):
                    self._report(label, data, reply)
                    return reply
                self._incoming(reply)
        self.summary.unanswered += 1
        self._say(
            f"{label}  {_brief(data)}  ->  no reply within {self.reply_seconds} s"
        )
        return None

    def linger(self, seconds: float) -> None:
        """Stay connected and answer what the centre sends for a while."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for frame in self._receive(deadline):
                self._incoming(frame)

    def _receive(self, deadline: float) -> list[bytes]:
        if self._pending:
            pending, self._pending = self._pending, []
            return pending
        self._socket.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = self._socket.recv(4096)
        except TimeoutError:
            return []
        if not chunk:
            raise ConnectionError("the gateway closed the connection")
        return self._splitter.feed(chunk)

    def _incoming(self, data: bytes) -> None:
        """Show a frame the centre started and answer it as a device would."""
        try:
            frame = gb26875.decode(data)
        except gb26875.FrameError as error:
            self._say(f"<-  unreadable frame from the gateway: {error}")
            return
        if not isinstance(frame, gb26875.Frame):
            return
        self.summary.commands_received += 1
        self._say(f"<-  {_brief(data)}")
        if not self.answer_commands:
            return
        header = frame.header
        if frame.app_type == 91:
            answer = gb26875.build(
                serial=self._next_serial(),
                command=codes.COMMAND_SEND_DATA,
                source_address=header.destination_address,
                destination_address=header.source_address,
                sent_at=datetime.now(),
                app_type=24,
                objects=(gb26875.DeviceOperation(0x20, 1, datetime.now()),),
                version_main=header.version_main,
                version_user=header.version_user,
            )
            self.send(answer, label="duty check answer")
        elif frame.app_type == 90:
            confirm = gb26875.acknowledge(frame, sent_at=datetime.now())
            self._socket.sendall(confirm)
            self._say(f"->  clock sync confirmed, serial {header.serial}")

    def _next_serial(self) -> int:
        serial = self._serial
        self._serial = (serial + 1) & 0xFFFF
        return serial

    def _report(self, label: str, data: bytes, reply: bytes) -> None:
        if reply[-2:] == codes.END and len(reply) == codes.VENDOR_HEARTBEAT_BYTES:
            self.summary.heartbeat_replies += 1
        elif reply[26] == codes.COMMAND_CONFIRM:
            self.summary.confirmed += 1
        elif reply[26] == codes.COMMAND_DENY:
            self.summary.denied += 1
        self._say(f"{label}  {_brief(data)}  ->  {_brief(reply)}")

    def _say(self, text: str) -> None:
        self.summary.lines.append(text)
        self.write(text)


def simulate(
    *,
    host: str,
    port: int,
    capture: Path,
    reply_seconds: float = 2.0,
    linger_seconds: float = 0.0,
    as_now: bool = False,
    write: Callable[[str], None] = print,
) -> SimulationSummary:
    """Send every frame of a capture to a gateway and show each reply.

    With `as_now`, each frame is restamped with a new serial and the current
    Beijing time first (see `restamp`).
    """
    frames = capture_frames(capture)
    if as_now:
        # Serials from the clock, so a second run does not repeat the first.
        first = int(time.time()) & 0xFFFF
        now = datetime.now(BEIJING).replace(tzinfo=None, microsecond=0)
        frames = [
            (number, restamp(data, serial=(first + index) & 0xFFFF, now=now))
            for index, (number, data) in enumerate(frames)
        ]
    simulator = DeviceSimulator(
        host=host, port=port, reply_seconds=reply_seconds, write=write
    )
    try:
        for number, data in frames:
            simulator.send(data, label=f"{capture.name}:{number}")
        if linger_seconds:
            simulator.linger(linger_seconds)
    finally:
        simulator.close()
    return simulator.summary


def restamp(data: bytes, *, serial: int, now: datetime) -> bytes:
    """Return a captured frame as the device would send it at `now`.

    The serial and every time label (the header's and each object's) are
    replaced, so the platform reads new data rather than a retransmission
    of a frame it already holds. A heartbeat or a frame the codec cannot
    read is sent as captured.
    """
    try:
        frame = gb26875.decode(data)
    except gb26875.FrameError:
        return data
    if not isinstance(frame, gb26875.Frame):
        return data
    header = dataclasses.replace(frame.header, serial=serial, sent_at=now)
    objects = tuple(_at(item, now) for item in frame.objects)
    return gb26875.encode(header, frame.app_type, objects)


def _at(item: object, now: datetime) -> object:
    if not dataclasses.is_dataclass(item):
        return item
    times = {
        field.name: now
        for field in dataclasses.fields(item)
        if isinstance(getattr(item, field.name), datetime)
    }
    return dataclasses.replace(item, **times) if times else item


def _serial_of(data: bytes) -> int | None:
    if len(data) >= codes.FRAME_OVERHEAD_BYTES:
        return int.from_bytes(data[2:4], "little")
    return None


def _answers(reply: bytes, sent: bytes, serial: int | None) -> bool:
    """Tell whether a frame from the centre answers the frame just sent."""
    if len(reply) == codes.VENDOR_HEARTBEAT_BYTES:
        return len(sent) == codes.VENDOR_HEARTBEAT_BYTES
    if len(reply) < codes.FRAME_OVERHEAD_BYTES or serial is None:
        return False
    return reply[26] in (codes.COMMAND_CONFIRM, codes.COMMAND_DENY) and (
        _serial_of(reply) == serial
    )


def _brief(data: bytes) -> str:
    """Say in a few words what a frame is."""
    try:
        frame = gb26875.decode(data)
    except gb26875.FrameError as error:
        return f"unreadable ({error})"
    if isinstance(frame, gb26875.VendorHeartbeat):
        if data == gb26875.heartbeat_reply(frame):
            return "heartbeat reply"
        return f"Four-Faith heartbeat from {frame.source_hex}"
    header = frame.header
    command = codes.command_name(header.command)
    text = f"{command.en} ({header.command}) serial {header.serial}"
    if frame.app_type is not None:
        text += f" type {frame.app_type}"
    return text
