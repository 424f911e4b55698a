"""`offsite audit verify` reports a sound log, or names its first break (IM-8)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from offsite.audit.services import record

pytestmark = pytest.mark.django_db


def _log(count: int) -> list:
    return [
        record(
            actor="li.na",
            action="clue.assign",
            object_type="clue",
            object_id=n,
            at=datetime(2026, 5, 4, 2, n, tzinfo=UTC),
            detail={"officer": "wang.fang"},
        )
        for n in range(count)
    ]


def _edit_detail(pk: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET detail = %s WHERE id = %s",
            ['{"officer": "zhao.lei"}', pk],
        )


def _verify(*args: str) -> str:
    out = StringIO()
    call_command("audit", "verify", *args, stdout=out)
    return out.getvalue()


def test_verify_json_reports_a_sound_log_with_its_count():
    entries = _log(3)

    report = json.loads(_verify("--json"))

    assert report == {
        "ok": True,
        "entries": 3,
        "head": {"sequence": 3, "hash": entries[2].hash},
        "broken": None,
    }


def test_verify_says_ok_with_the_count():
    entries = _log(2)

    assert _verify() == f"OK: 2 entries, chain head {entries[1].hash}\n"


def test_verify_json_names_the_edited_entry_and_exits_1():
    entries = _log(3)
    _edit_detail(entries[1].pk)
    out = StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("audit", "verify", "--json", stdout=out)

    report = json.loads(out.getvalue())
    assert raised.value.returncode == 1
    assert report["ok"] is False
    assert report["entries"] == 1
    assert report["broken"]["problem"] == "hash"
    assert report["broken"]["id"] == entries[1].pk
    assert report["broken"]["sequence"] == 2
    assert report["broken"]["at"] == "2026-05-04T02:01:00.000000Z"
    assert report["broken"]["expected"] == entries[1].hash


def test_verify_names_a_removed_entry_in_plain_text_and_exits_1():
    entries = _log(3)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entries[1].pk])
    out = StringIO()

    with pytest.raises(CommandError, match=f"entry {entries[2].pk} \\(link\\)") as e:
        call_command("audit", "verify", stdout=out)

    assert e.value.returncode == 1
    text = out.getvalue()
    assert text.startswith("BROKEN after 1 sound entries: ")
    assert f"entry {entries[2].pk}  sequence 3  at 2026-05-04T02:02:00.000000Z" in text
    assert f"expected {entries[0].hash}" in text
    assert f"found    {entries[1].hash}" in text
