"""Plain helpers for delivery tests."""

from __future__ import annotations

from offsite.delivery import services

from .conftest import beijing


def consent_with_channels(unit, person, *, email: str = "", webhook: str = ""):
    """Consent for the unit and add the given service addresses."""
    at = beijing(2026, 3, 1, 9, 0)
    services.record_consent(unit=unit, person=person, consented=True, at=at)
    if email:
        services.add_channel(
            unit=unit, kind="email", address=email, source="registration", at=at
        )
    if webhook:
        services.add_channel(
            unit=unit, kind="webhook", address=webhook, source="unit", at=at
        )


def issue(unit, at=None, **fields):
    """Issue a warning to the unit, by default on 2026-03-02 10:00 Beijing."""
    values = {
        "kind": "warning",
        "title": "消防设施故障警示",
        "body": "贵单位火灾自动报警系统存在故障，请于期限内改正。",
    }
    values.update(fields)
    return services.issue_notice(
        unit=unit, at=at or beijing(2026, 3, 2, 10, 0), **values
    )
