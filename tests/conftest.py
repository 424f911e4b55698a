"""Shared fixtures: the tests run against the real database in use."""

from __future__ import annotations

from pathlib import Path

import pytest

CAPTURES = Path(__file__).resolve().parents[1] / "src/offsite/intake/captures/gb26875"


@pytest.fixture
def captures_dir() -> Path:
    return CAPTURES
