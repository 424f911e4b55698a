"""Byte-level pieces shared by the frame and object codecs."""

from __future__ import annotations

from datetime import datetime

from offsite.protocols.gb26875.errors import FrameError

TIME_LABEL_BYTES = 6
TEXT_ENCODING = "gb18030"


def read_time(label: bytes) -> datetime | None:
    """Read a time label (fig. 17: sec, min, hour, day, month, year − 2000).

    The bytes are plain binary, not BCD. Return None when they are not a real
    date, as some devices send zeros when their clock is not set.
    """
    second, minute, hour, day, month, year = label
    try:
        return datetime(2000 + year, month, day, hour, minute, second)
    except ValueError:
        return None


def time_label(moment: datetime | None, *, field: str) -> bytes:
    """Write a time label; no time is written as six zero bytes."""
    if moment is None:
        return bytes(TIME_LABEL_BYTES)
    if not 2000 <= moment.year <= 2255:
        raise FrameError(field, f"year {moment.year} is outside 2000..2255")
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


def read_text(raw: bytes) -> str:
    """Decode a GB18030 text field, dropping 0x00 and 0x20 padding.

    Haiwan pads with spaces and others with zeros; text after a zero byte is
    left-over buffer content, not part of the text.
    """
    text = raw.split(b"\x00", 1)[0].strip(b" ")
    return text.decode(TEXT_ENCODING, errors="replace")


def text_bytes(
    text: str, *, field: str, size: int | None = None, pad: bytes = b"\x00"
) -> bytes:
    """Encode text as GB18030, padded to `size` bytes when the field is fixed."""
    try:
        raw = text.encode(TEXT_ENCODING)
    except UnicodeEncodeError as error:
        raise FrameError(field, f"cannot be written in GB18030: {error}") from None
    limit = size if size is not None else 255
    if len(raw) > limit:
        raise FrameError(field, f"{len(raw)} bytes in GB18030, at most {limit}")
    return raw if size is None else raw.ljust(size, pad)


def uint(value: int, size: int, *, field: str) -> bytes:
    """Write an unsigned little-endian integer of `size` bytes."""
    if not 0 <= value < 1 << (8 * size):
        raise FrameError(field, f"{value} does not fit in {size} unsigned byte(s)")
    return value.to_bytes(size, "little")


def sint16(value: int, *, field: str) -> bytes:
    """Write a signed 16-bit little-endian integer."""
    if not -32768 <= value <= 32767:
        raise FrameError(field, f"{value} is outside -32768..32767")
    return value.to_bytes(2, "little", signed=True)


class Reader:
    """Read the objects of one ADU, failing with the type and object named."""

    def __init__(self, data: bytes, *, app_type: int):
        self.data = data
        self.app_type = app_type
        self.position = 0
        self.index = 0

    @property
    def remaining(self) -> int:
        return len(self.data) - self.position

    def take(self, size: int, what: str) -> bytes:
        if size > self.remaining:
            raise FrameError(
                "adu",
                f"type {self.app_type} object {self.index + 1}: {what} needs "
                f"{size} byte(s), only {self.remaining} left",
            )
        chunk = self.data[self.position : self.position + size]
        self.position += size
        return chunk

    def byte(self, what: str) -> int:
        return self.take(1, what)[0]

    def uint(self, size: int, what: str) -> int:
        return int.from_bytes(self.take(size, what), "little")

    def sint16(self, what: str) -> int:
        return int.from_bytes(self.take(2, what), "little", signed=True)

    def time(self, what: str = "time label") -> datetime | None:
        return read_time(self.take(TIME_LABEL_BYTES, what))

    def counted(self, what: str) -> bytes:
        """Read a length byte and that many bytes after it."""
        return self.take(self.byte(f"{what} length"), what)
