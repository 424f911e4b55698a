"""Shared fixtures: the tests run against the real database in use."""

from __future__ import annotations

from pathlib import Path

import pytest

CAPTURES = Path(__file__).resolve().parents[1] / "src/offsite/intake/captures/gb26875"

# Reference sample S18 (gb26875.md §6): its checksum byte is a placeholder.
S18_BAD_CHECKSUM = bytes.fromhex(
    "4040000901002E070A190B13009A243BE6360000000000013000020201010081000003650002"
    "000000000000000000000000000000000000000000000000000000000000002E070A190B1300"
    "2323"
)
# Reference sample S1: a Haiwan fire alarm on component 20101165.
S1_FIRE_ALARM = bytes.fromhex(
    "4040480001012a210f19091701000000000001000000000030000202010101112db832010300"
    "2020202020202020202020202020202020202020202020202020202020202015210f190917a0"
    "2323"
)


@pytest.fixture
def captures_dir() -> Path:
    return CAPTURES


@pytest.fixture
def make_unit(db):
    """Register units with valid, distinct credit codes."""
    from offsite.registry import services
    from offsite.registry.creditcode import make_credit_code

    serials = iter(range(10_000_001, 10_999_999))

    def make(name: str = "测试单位", district_code: str = "110108", **fields):
        return services.register_unit(
            credit_code=make_credit_code(organisation=next(serials)),
            name=name,
            district_code=district_code,
            **fields,
        )

    return make


@pytest.fixture
def unit(make_unit):
    return make_unit("京华商业广场", "110105", category="key_unit")


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Drop per-process caches a rolled-back test may have filled."""
    yield
    from offsite.calendar.queries import invalidate_calendar_overrides
    from offsite.catalog.queries import clear_cache

    invalidate_calendar_overrides()
    clear_cache()
