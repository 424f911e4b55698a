"""Oversight reads supervision's events: its tests build them the same way."""

from tests.supervision.conftest import (  # noqa: F401
    chaoyang,
    make_event,
    make_person,
    make_result,
    officer,
    scenario,
    test_version,
)
