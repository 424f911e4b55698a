"""The operation log is hash-chained (IM-8): an edit or a removal shows."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import connection, transaction

from offsite.audit import chain
from offsite.audit.models import AuditEntry, ChainHead
from offsite.audit.queries import HASH, HEAD, LINK, verify_chain
from offsite.audit.services import record

pytestmark = pytest.mark.django_db

AT = datetime(2026, 3, 2, 1, 15, tzinfo=UTC)
BEIJING = timezone(timedelta(hours=8))
ZEROS = "0000000000000000000000000000000000000000000000000000000000000000"


def _log(count: int) -> list[AuditEntry]:
    return [
        record(
            actor="zhang.wei",
            action="event.transition",
            object_type="event",
            object_id=40 + n,
            at=AT + timedelta(minutes=n),
            detail={"to": "confirmed", "from": "awaiting_review", "n": n},
        )
        for n in range(count)
    ]


def _raw(sql: str, params: list[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_hash_is_taken_over_the_documented_json_array():
    fields = {
        "sequence": 1,
        "at": datetime(2026, 3, 2, 9, 15, 0, 250, tzinfo=BEIJING),
        "actor": "zhang.wei",
        "action": "event.transition",
        "object_type": "event",
        "object_id": "42",
        "detail": {"unit": "京华", "from": "awaiting_review", "count": 2.0},
        "prev_hash": ZEROS,
    }
    expected = (
        b'["offsite-audit-v1",1,"2026-03-02T01:15:00.000250Z","zhang.wei",'
        b'"event.transition","event","42",'
        b'{"count":2,"from":"awaiting_review","unit":"\\u4eac\\u534e"},'
        b'"' + ZEROS.encode() + b'"]'
    )

    assert chain.canonical(**fields) == expected
    assert chain.entry_hash(**fields) == hashlib.sha256(expected).hexdigest()


def test_the_first_entry_links_to_64_zeros_and_each_next_to_the_one_before():
    first, second, third = _log(3)

    assert (first.sequence, first.prev_hash) == (1, ZEROS)
    assert (second.sequence, second.prev_hash) == (2, first.hash)
    assert (third.sequence, third.prev_hash) == (3, second.hash)
    assert len(first.hash) == 64
    assert len({first.hash, second.hash, third.hash}) == 3


def test_the_stored_hash_is_the_hash_of_the_stored_fields():
    entry = _log(1)[0]
    stored = AuditEntry.objects.get(pk=entry.pk)

    expected = hashlib.sha256(
        b'["offsite-audit-v1",1,"2026-03-02T01:15:00.000000Z","zhang.wei",'
        b'"event.transition","event","40",'
        b'{"from":"awaiting_review","n":0,"to":"confirmed"},'
        b'"' + ZEROS.encode() + b'"]'
    ).hexdigest()
    assert stored.hash == expected


def test_the_head_holds_the_last_entry():
    entries = _log(4)

    head = ChainHead.objects.get()
    assert (head.sequence, head.hash) == (4, entries[-1].hash)


def test_a_chain_of_several_entries_verifies():
    _log(6)

    verdict = verify_chain(batch_size=4)

    assert verdict.ok is True
    assert verdict.checked == 6
    assert verdict.head_sequence == 6


def test_an_empty_log_verifies():
    verdict = verify_chain()

    assert (verdict.ok, verdict.checked, verdict.head_hash) == (True, 0, ZEROS)


def test_a_detail_edited_with_raw_sql_is_named():
    entries = _log(5)
    edited = entries[2]
    _raw(
        "UPDATE audit_auditentry SET detail = %s WHERE id = %s",
        ['{"to": "closed", "from": "awaiting_review", "n": 2}', edited.pk],
    )

    verdict = verify_chain()

    assert verdict.ok is False
    assert verdict.checked == 2
    assert verdict.broken.problem == HASH
    assert verdict.broken.entry_id == edited.pk
    assert verdict.broken.sequence == 3
    assert verdict.broken.at == datetime(2026, 3, 2, 1, 17, tzinfo=UTC)
    assert verdict.broken.expected == edited.hash


def test_an_edit_whose_hash_was_rewritten_breaks_the_next_link():
    entries = _log(4)
    forged = chain.entry_hash(
        sequence=2,
        at=entries[1].at,
        actor="someone.else",
        action=entries[1].action,
        object_type="event",
        object_id=entries[1].object_id,
        detail=entries[1].detail,
        prev_hash=entries[1].prev_hash,
    )
    _raw(
        "UPDATE audit_auditentry SET actor = %s, hash = %s WHERE id = %s",
        ["someone.else", forged, entries[1].pk],
    )

    broken = verify_chain().broken

    assert broken.problem == LINK
    assert broken.entry_id == entries[2].pk
    assert (broken.expected, broken.found) == (forged, entries[1].hash)


def test_a_deleted_middle_row_is_detected_at_the_entry_after_it():
    entries = _log(5)
    _raw("DELETE FROM audit_auditentry WHERE id = %s", [entries[2].pk])

    verdict = verify_chain()

    assert verdict.checked == 2
    assert verdict.broken.problem == LINK
    assert verdict.broken.entry_id == entries[3].pk
    assert verdict.broken.sequence == 4
    assert f"entry {entries[1].pk} (sequence 2)" in verdict.broken.message


def test_a_deleted_first_row_is_detected():
    entries = _log(3)
    _raw("DELETE FROM audit_auditentry WHERE id = %s", [entries[0].pk])

    broken = verify_chain().broken

    assert broken.problem == LINK
    assert broken.entry_id == entries[1].pk
    assert "the start of the log" in broken.message


def test_a_deleted_last_row_shows_against_the_head():
    entries = _log(3)
    _raw("DELETE FROM audit_auditentry WHERE id = %s", [entries[2].pk])

    verdict = verify_chain()

    assert verdict.checked == 2
    assert verdict.broken.problem == HEAD
    assert verdict.broken.entry_id == entries[1].pk
    assert (verdict.broken.expected, verdict.broken.found) == (
        entries[2].hash,
        entries[1].hash,
    )


def test_an_action_rolled_back_leaves_nothing_of_the_chain():
    first = _log(1)[0]
    with pytest.raises(RuntimeError), transaction.atomic():
        record(actor="system", action="x", object_type="event", object_id=1, at=AT)
        raise RuntimeError("the action failed")

    after = record(actor="system", action="y", object_type="event", object_id=1, at=AT)

    assert AuditEntry.objects.count() == 2
    assert (after.sequence, after.prev_hash) == (2, first.hash)
    assert ChainHead.objects.get().sequence == 2
    assert verify_chain().ok is True


def test_a_lost_head_is_set_again_from_the_last_entry():
    entries = _log(2)
    ChainHead.objects.all().delete()

    after = record(actor="system", action="y", object_type="event", object_id=1, at=AT)

    assert (after.sequence, after.prev_hash) == (3, entries[1].hash)
    assert verify_chain().ok is True


def test_details_are_hashed_as_the_database_gives_them_back():
    record(
        actor="system",
        action="x",
        object_type="event",
        object_id=1,
        at=AT,
        detail={10: "ten", 9: ("nine",), "big": 1e20, "share": 0.125},
    )

    assert AuditEntry.objects.get().detail == {
        "10": "ten",
        "9": ["nine"],
        "big": 1e20,
        "share": 0.125,
    }
    assert verify_chain().ok is True


def test_a_detail_that_is_not_plain_json_is_refused_naming_the_field():
    with pytest.raises(ValueError, match="detail: must be plain JSON"):
        record(
            actor="system",
            action="x",
            object_type="event",
            object_id=1,
            at=AT,
            detail={"ratio": float("nan")},
        )

    assert AuditEntry.objects.count() == 0
