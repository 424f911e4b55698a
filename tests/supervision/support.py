"""Plain helpers for supervision tests."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from offsite.catalog import queries as catalog
from offsite.catalog.models import Scenario

BEIJING = ZoneInfo("Asia/Shanghai")


def beijing(*parts: int) -> datetime:
    """Return a Beijing wall-clock time as an aware datetime."""
    return datetime(*parts, tzinfo=BEIJING)


def real_scenario(code: str) -> Scenario:
    """Return a scenario of the published item list (catalog version 1)."""
    return catalog.scenario(code)
