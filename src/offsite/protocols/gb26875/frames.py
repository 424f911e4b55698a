"""Frames (数据包) of GB/T 26875.3-2011 §6.6 table 1, and the replies a centre sends.

Layout, 0-based: `@@`, serial (u16 LE), main and user version, send time (6),
source and destination address (6 bytes LE each), ADU length L (u16 LE),
command, ADU (L bytes), checksum, `##`; 30 + L bytes in all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from offsite.protocols.gb26875 import codes
from offsite.protocols.gb26875.errors import (
    ChecksumError,
    DelimiterError,
    FrameError,
    LengthError,
)
from offsite.protocols.gb26875.header import Header
from offsite.protocols.gb26875.objects import (
    ClockSync,
    DutyCheck,
    InfoObject,
    decode_adu,
    encode_adu,
)
from offsite.protocols.gb26875.wire import read_time, time_label, uint


@dataclass(frozen=True)
class Frame:
    """A decoded frame: its header, type flag and information objects.

    `app_type` is None when the ADU is empty (a confirm or a deny). `raw` is
    the frame exactly as received (IM-7).
    """

    header: Header
    app_type: int | None
    objects: tuple[InfoObject, ...]
    raw: bytes

    @property
    def source_hex(self) -> str:
        return self.header.source_hex

    @property
    def checksum(self) -> int:
        return self.raw[-3]


@dataclass(frozen=True)
class VendorHeartbeat:
    """Four-Faith's 12-byte keep-alive: `@@ src6 module1 system1 ##` (§12).

    It has no serial, time, length or checksum. The source address is read
    little-endian like a frame's, so it matches the device's frames.
    """

    source_address: int
    comm_module: int
    system_type: int
    raw: bytes

    @property
    def source_hex(self) -> str:
        return f"{self.source_address:012x}"


def checksum(control_and_adu: bytes) -> int:
    """Return the low byte of the arithmetic sum of the bytes (table 1)."""
    return sum(control_and_adu) & 0xFF


def is_vendor_heartbeat(data: bytes) -> bool:
    """Tell a Four-Faith heartbeat from a frame: 12 bytes ending in `##`.

    In a frame, bytes 10..11 are the month and year of the send time, and a
    month of 0x23 (35) does not exist, so a real frame never matches.
    """
    return (
        len(data) == codes.VENDOR_HEARTBEAT_BYTES
        and data[:2] == codes.START
        and data[10:12] == codes.END
    )


def read_header(data: bytes) -> Header:
    """Read the control unit from the first 27 bytes of a frame."""
    if len(data) < codes.HEADER_BYTES:
        raise LengthError(f"{len(data)} bytes, the header alone is 27")
    return Header(
        serial=int.from_bytes(data[2:4], "little"),
        version_main=data[4],
        version_user=data[5],
        sent_at=read_time(data[6:12]),
        source_address=int.from_bytes(data[12:18], "little"),
        destination_address=int.from_bytes(data[18:24], "little"),
        adu_length=int.from_bytes(data[24:26], "little"),
        command=data[26],
    )


def decode(data: bytes) -> Frame | VendorHeartbeat:
    """Decode one frame or vendor heartbeat, or raise FrameError saying why.

    Checks come in the order a reader needs them: start bytes, length, end
    bytes, checksum, command byte, then the objects. Types this codec does not
    read are kept as `RawObjects`; a known type of the wrong size is an error.
    """
    data = bytes(data)
    if data[:2] != codes.START:
        raise DelimiterError(
            "start", f"frame starts with {data[:2].hex() or 'nothing'}, not 4040 (@@)"
        )
    if is_vendor_heartbeat(data):
        return VendorHeartbeat(
            source_address=int.from_bytes(data[2:8], "little"),
            comm_module=data[8],
            system_type=data[9],
            raw=data,
        )
    if len(data) < codes.FRAME_OVERHEAD_BYTES:
        raise LengthError(f"{len(data)} bytes, a frame has at least 30")

    header = read_header(data)
    size = header.adu_length
    if size > codes.MAX_ADU_BYTES:
        raise LengthError(
            f"ADU length {size} is over the 1024 bytes of table 1", header=header
        )
    if len(data) != codes.FRAME_OVERHEAD_BYTES + size:
        raise LengthError(
            f"ADU length {size} means {codes.FRAME_OVERHEAD_BYTES + size} bytes, "
            f"the frame has {len(data)}",
            header=header,
        )
    if data[-2:] != codes.END:
        raise DelimiterError(
            "end", f"frame ends with {data[-2:].hex()}, not 2323 (##)", header=header
        )

    end = codes.HEADER_BYTES + size
    expected = checksum(data[2:end])
    if data[end] != expected:
        raise ChecksumError(
            f"frame says 0x{data[end]:02x}, bytes 2..{end - 1} sum to 0x{expected:02x}",
            header=header,
        )
    if (
        header.command not in codes.COMMANDS
        and header.command not in codes.USER_COMMANDS
    ):
        raise FrameError(
            "command",
            f"{header.command} is reserved (table 2 defines 1..6, 128..255 are "
            "user-defined)",
            header=header,
        )

    try:
        app_type, objects = decode_adu(
            data[codes.HEADER_BYTES : end], version_main=header.version_main
        )
    except FrameError as error:
        raise FrameError(error.field, error.detail, header=header) from None
    return Frame(header=header, app_type=app_type, objects=objects, raw=data)


def encode(
    source: Frame | Header | VendorHeartbeat,
    app_type: int | None = None,
    objects: Sequence = (),
) -> bytes:
    """Encode a decoded frame again, or a header with a type flag and objects.

    The header's `adu_length` is ignored and recomputed. A time that is None
    is written as six zero bytes, so a frame whose time bytes were not a date
    does not encode back byte for byte; `Frame.raw` keeps what was received.
    """
    if isinstance(source, VendorHeartbeat):
        return (
            codes.START
            + uint(source.source_address, 6, field="source_address")
            + uint(source.comm_module, 1, field="comm_module")
            + uint(source.system_type, 1, field="system_type")
            + codes.END
        )
    if isinstance(source, Frame):
        header, app_type, objects = source.header, source.app_type, source.objects
    else:
        header = source

    adu = encode_adu(app_type, tuple(objects), version_main=header.version_main)
    if len(adu) > codes.MAX_ADU_BYTES:
        raise LengthError(f"ADU of {len(adu)} bytes is over the 1024 of table 1")
    body = (
        uint(header.serial, 2, field="serial")
        + uint(header.version_main, 1, field="version_main")
        + uint(header.version_user, 1, field="version_user")
        + time_label(header.sent_at, field="sent_at")
        + uint(header.source_address, 6, field="source_address")
        + uint(header.destination_address, 6, field="destination_address")
        + uint(len(adu), 2, field="adu_length")
        + uint(header.command, 1, field="command")
        + adu
    )
    return codes.START + body + bytes((checksum(body),)) + codes.END


def build(
    *,
    serial: int,
    command: int,
    source_address: int,
    destination_address: int,
    sent_at: datetime | None,
    app_type: int | None = None,
    objects: Sequence = (),
    version_main: int = 1,
    version_user: int = 0,
) -> bytes:
    """Build a frame from its fields."""
    header = Header(
        serial=serial,
        version_main=version_main,
        version_user=version_user,
        sent_at=sent_at,
        source_address=source_address,
        destination_address=destination_address,
        adu_length=0,
        command=command,
    )
    return encode(header, app_type, objects)


def _reply(
    frame_or_header: Frame | Header, *, command: int, sent_at: datetime
) -> bytes:
    # §6.2–6.5: the responder echoes the initiator's serial; addresses swap.
    header = (
        frame_or_header.header
        if isinstance(frame_or_header, Frame)
        else frame_or_header
    )
    return build(
        serial=header.serial,
        command=command,
        source_address=header.destination_address,
        destination_address=header.source_address,
        sent_at=sent_at,
        version_main=header.version_main,
        version_user=header.version_user,
    )


def acknowledge(frame: Frame | Header, *, sent_at: datetime) -> bytes:
    """Confirm a frame (command 3, empty ADU), echoing its serial."""
    return _reply(frame, command=codes.COMMAND_CONFIRM, sent_at=sent_at)


def deny(frame_or_header: Frame | Header, *, sent_at: datetime) -> bytes:
    """Deny a frame (command 6, empty ADU), echoing its serial.

    For a frame that failed to decode, pass `FrameError.header` when set.
    """
    return _reply(frame_or_header, command=codes.COMMAND_DENY, sent_at=sent_at)


def heartbeat_reply(heartbeat: VendorHeartbeat) -> bytes:
    """Answer a Four-Faith heartbeat: `@@`, eight zero bytes, `##` (§12)."""
    return codes.START + bytes(8) + codes.END


def clock_sync(
    *,
    serial: int,
    source_address: int,
    destination_address: int,
    clock: datetime,
    sent_at: datetime | None = None,
    command: int = codes.COMMAND_CONTROL,
    version_main: int = 1,
    version_user: int = 0,
) -> bytes:
    """Build a clock synchronisation (type 90) from the centre to a device.

    The standard does not say which command carries type 90; Four-Faith uses
    1 (控制命令) for it, which is the default.
    """
    return build(
        serial=serial,
        command=command,
        source_address=source_address,
        destination_address=destination_address,
        sent_at=clock if sent_at is None else sent_at,
        app_type=90,
        objects=(ClockSync(clock),),
        version_main=version_main,
        version_user=version_user,
    )


def duty_check(
    *,
    serial: int,
    source_address: int,
    destination_address: int,
    timeout_minutes: int,
    sent_at: datetime,
    command: int = codes.COMMAND_REQUEST,
    version_main: int = 1,
    version_user: int = 0,
) -> bytes:
    """Build a duty check (type 91): answer within `timeout_minutes` (fig. 46).

    The device answers with a type 24 operation whose bit 5 is set.
    """
    if not 1 <= timeout_minutes <= 255:
        raise FrameError("timeout_minutes", f"{timeout_minutes} is outside 1..255")
    return build(
        serial=serial,
        command=command,
        source_address=source_address,
        destination_address=destination_address,
        sent_at=sent_at,
        app_type=91,
        objects=(DutyCheck(timeout_minutes),),
        version_main=version_main,
        version_user=version_user,
    )
