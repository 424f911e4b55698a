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


def capture_lines(path: Path) -> list[tuple[int, str]]:
    """Return the (line number, hex text) of each frame line of a capture."""
    lines = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = line.split("#", 1)[0].strip()
        if text:
            lines.append((number, text))
    return lines


def replay_files(paths: list[Path], *, unit: Unit | None = None) -> ReplaySummary:
    """Feed every frame of the capture files through the intake path."""
    summary = ReplaySummary()
    for path in paths:
        summary.files += 1
        for number, text in capture_lines(path):
            origin = f"{path.name}:{number}"
            try:
                data = binascii.unhexlify("".join(text.split()))
            except (binascii.Error, ValueError) as error:
                receipt = services.reject_text(
                    text.encode("utf-8", "replace"),
                    source=RawRecord.Source.REPLAY,
                    origin=origin,
                    reason=f"hex: line is not an even run of hex digits ({error})",
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
