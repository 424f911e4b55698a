"""Replay of capture files: one hex frame per line, `#` starts a comment.

Replay goes through `services.receive_gb26875`, the same path as the TCP
gateway, so a capture exercises exactly what a live device would.
"""

from __future__ import annotations

import binascii
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from offsite.intake import services
from offsite.intake.models import RawRecord
from offsite.registry.models import Unit

logger = logging.getLogger(__name__)


@dataclass
class ReplaySummary:
    files: int = 0
    frames: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    observations: int = 0
    check_results: int = 0
    events_opened: Counter[str] = field(default_factory=Counter)
    events_ended: Counter[str] = field(default_factory=Counter)
    rejections: list[dict] = field(default_factory=list)

    def add(self, receipt: services.Receipt, *, origin: str) -> None:
        self.frames += 1
        if receipt.status == "accepted":
            self.accepted += 1
        elif receipt.status == "rejected":
            self.rejected += 1
            self.rejections.append({"origin": origin, "reason": receipt.reason})
        else:
            self.duplicates += 1
            if receipt.reason:
                # Kept rejected the first time: say so again, or a second run
                # would read as clean.
                self.rejections.append(
                    {
                        "origin": origin,
                        "reason": f"already kept as rejected: {receipt.reason}",
                    }
                )
        self.observations += receipt.observations
        self.check_results += receipt.check_results
        self.events_opened.update(receipt.events_opened)
        self.events_ended.update(receipt.events_ended)

    def as_dict(self) -> dict:
        return {
            "files": self.files,
            "frames": self.frames,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
            "observations": self.observations,
            "check_results": self.check_results,
            "events_opened": dict(sorted(self.events_opened.items())),
            "events_ended": dict(sorted(self.events_ended.items())),
            "rejections": self.rejections,
        }


# The longest frame is 30 + 1024 bytes (GB/T 26875.3 table 1): 2,108 hex
# digits. A longer line is kept only up to this many characters.
MAX_LINE_CHARS = 4096


def capture_lines(path: Path) -> list[tuple[int, bytes]]:
    """Return the (line number, text) of each frame line of a capture.

    Lines are read as bytes, so a line that is not text (binary junk, another
    encoding) is rejected alone, by its line number, and the rest still
    replays.
    """
    lines = []
    data = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    for number, line in enumerate(data.splitlines(), 1):
        text = line.split(b"#", 1)[0].strip()
        if text:
            lines.append((number, text))
    return lines


def _frame_bytes(text: bytes) -> bytes:
    """Read a line of hex digits, spaces allowed; raise ValueError naming why."""
    if len(text) > MAX_LINE_CHARS:
        raise ValueError(
            f"line of {len(text)} characters; a frame is at most 2108 hex digits"
        )
    digits = b"".join(text.split())
    try:
        digits.decode("ascii")
    except UnicodeDecodeError:
        raise ValueError("line holds bytes that are not hex digits") from None
    if len(digits) % 2:
        raise ValueError(f"odd number of hex digits ({len(digits)})")
    try:
        return binascii.unhexlify(digits)
    except binascii.Error:
        raise ValueError("line holds characters that are not hex digits") from None


def replay_files(paths: list[Path], *, unit: Unit | None = None) -> ReplaySummary:
    """Feed every frame of the capture files through the intake path."""
    summary = ReplaySummary()
    for path in paths:
        summary.files += 1
        for number, text in capture_lines(path):
            origin = f"{path.name}:{number}"
            try:
                data = _frame_bytes(text)
            except ValueError as error:
                receipt = services.reject_text(
                    text[:MAX_LINE_CHARS],
                    source=RawRecord.Source.REPLAY,
                    origin=origin,
                    reason=f"hex: {error}",
                )
            else:
                receipt = services.receive_gb26875(
                    data,
                    source=RawRecord.Source.REPLAY,
                    origin=origin,
                    register_unit=unit,
                )
            summary.add(receipt, origin=origin)
    logger.info(
        "replay files=%d frames=%d accepted=%d rejected=%d duplicates=%d",
        summary.files,
        summary.frames,
        summary.accepted,
        summary.rejected,
        summary.duplicates,
    )
    return summary
