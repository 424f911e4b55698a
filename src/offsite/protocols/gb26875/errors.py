"""Errors raised for frames that break GB/T 26875.3-2011."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from offsite.protocols.gb26875.header import Header


class FrameError(ValueError):
    """A frame, or the fields given to build one, breaks the format.

    `field` names what is wrong ("checksum", "start", "end", "length",
    "command", "adu", …); `header` is the control unit when it could still be
    read, so a centre can deny the frame with the sender's own serial (§6.5).
    """

    def __init__(self, field: str, detail: str, *, header: Header | None = None):
        super().__init__(f"{field}: {detail}")
        self.field = field
        self.detail = detail
        self.header = header


class ChecksumError(FrameError):
    """The checksum byte is not the low byte of the sum of bytes 2..26+L."""

    def __init__(self, detail: str, *, header: Header | None = None):
        super().__init__("checksum", detail, header=header)


class LengthError(FrameError):
    """The length field, or the number of bytes, does not fit table 1."""

    def __init__(
        self, detail: str, *, field: str = "length", header: Header | None = None
    ):
        super().__init__(field, detail, header=header)


class DelimiterError(FrameError):
    """The start bytes are not `@@` or the end bytes are not `##`."""

    def __init__(self, field: str, detail: str, *, header: Header | None = None):
        super().__init__(field, detail, header=header)
