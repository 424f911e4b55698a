"""Who judges what intake has read: a part above intake registers itself.

Intake keeps what arrives and reads it into observations. Judging them
(monitoring) and acting on the results (supervision) are parts above it
that read intake's records; so that intake can hand its observations on
without importing them, and every dependency between the parts points one
way, the part that joins the two registers one `Judge` when Django starts
(`offsite.supervision` does, in its app config).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from offsite.intake.models import Observation, RawRecord
    from offsite.registry.models import Device


@dataclass
class Judged:
    """What judging one raw record's observations came to."""

    check_results: int = 0
    events_opened: Counter[str] = field(default_factory=Counter)
    events_ended: Counter[str] = field(default_factory=Counter)


class Judge(Protocol):
    def judge(
        self, batch: Sequence[tuple[Sequence[Observation], datetime]]
    ) -> list[Judged]:
        """Judge each raw record's observations, received at its time, in order."""

    def judge_unreadable(self, *, device: Device, raw_record: RawRecord) -> Judged:
        """Judge that a device sent data nobody can read (LM-11)."""


_registered: list[Judge] = []


def register(judge: Judge) -> None:
    """Make `judge` the one intake hands its observations to."""
    _registered[:] = [judge]


def judge() -> Judge:
    """Return the registered judge."""
    if not _registered:
        raise ImproperlyConfigured(
            "intake has no judge: offsite.supervision must be in INSTALLED_APPS"
        )
    return _registered[0]
