"""`offsite delivery dispatch [--at TIME]` for operators."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from offsite.delivery.models import OutboxMessage

from .conftest import beijing
from .support import consent_with_channels, issue

pytestmark = pytest.mark.django_db


def dispatch(*args: str) -> dict:
    out = StringIO()
    call_command("delivery", "dispatch", *args, stdout=out)
    return json.loads(out.getvalue())


def test_the_command_sends_what_is_due_at_the_given_beijing_time(unit, unit_user):
    consent_with_channels(unit, unit_user)
    issue(unit, at=beijing(2026, 3, 2, 10, 0))

    assert dispatch("--at", "2026-03-02T09:59")["claimed"] == {}
    assert dispatch("--at", "2026-03-02T10:00")["sent"] == {"inbox": 1}
    assert OutboxMessage.objects.get().sent_at == beijing(2026, 3, 2, 10, 0)


def test_a_bad_time_is_refused_naming_the_option(db):
    with pytest.raises(CommandError, match="--at: 'Monday' is not an ISO 8601 time"):
        dispatch("--at", "Monday")
