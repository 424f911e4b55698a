"""The control unit (控制单元) of a GB/T 26875.3 frame, §6.6 table 1."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Header:
    """The control unit (控制单元) of a frame.

    `sent_at` is the sender's local clock, naive; None when the six bytes are
    not a date. `adu_length` is what the frame says; `encode` recomputes it.
    """

    serial: int
    version_main: int
    version_user: int
    sent_at: datetime | None
    source_address: int
    destination_address: int
    adu_length: int
    command: int

    @property
    def source_hex(self) -> str:
        return f"{self.source_address:012x}"

    @property
    def destination_hex(self) -> str:
        return f"{self.destination_address:012x}"
