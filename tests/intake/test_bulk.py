"""The fast writer of intake's narrow rows: COPY on PostgreSQL, INSERT on SQLite."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from offsite.intake import bulk
from offsite.intake.models import RawRecord
from offsite.monitoring.models import CheckResult

pytestmark = pytest.mark.django_db

AT = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
COLUMNS = (
    "source",
    "origin",
    "received_at",
    "payload",
    "sha256",
    "dedup_key",
    "status",
    "reject_reason",
    "device_id",
    "processed_at",
)


def raw_row(number: int) -> tuple:
    payload = f"frame {number}".encode()
    digest = hashlib.sha256(payload).hexdigest()
    return ("http", "test", AT, payload, digest, digest, "accepted", "", None, None)


def test_insert_returns_one_id_per_row_in_order():
    rows = [raw_row(n) for n in range(120)]  # enough for COPY on PostgreSQL

    ids = bulk.insert(RawRecord, COLUMNS, rows)

    assert len(ids) == 120
    assert ids == sorted(ids)
    assert set(RawRecord.objects.values_list("pk", flat=True)) == set(ids)
    assert bytes(RawRecord.objects.get(pk=ids[7]).payload) == b"frame 7"


def test_insert_keeps_times_and_bytes():
    rows = [raw_row(1)]

    (pk,) = bulk.insert(RawRecord, COLUMNS, rows)

    raw = RawRecord.objects.get(pk=pk)
    assert raw.received_at == AT
    assert bytes(raw.payload) == b"frame 1"


def test_insert_new_skips_keys_stored_before():
    bulk.insert(RawRecord, COLUMNS, [raw_row(n) for n in range(3)])

    new = bulk.insert_new(
        RawRecord, COLUMNS, [raw_row(n) for n in range(1, 80)], unique="dedup_key"
    )

    assert len(new) == 77
    assert RawRecord.objects.count() == 80


def test_insert_new_stores_a_key_once_when_the_copy_meets_a_conflict():
    # A key the look-up did not see (as when another gateway stores it in
    # between; here the same key twice) makes the copy fail; the rows then
    # go through INSERT … ON CONFLICT DO NOTHING.
    rows = [raw_row(n) for n in range(60)] + [raw_row(5)]

    new = bulk.insert_new(RawRecord, COLUMNS, rows, unique="dedup_key")

    assert len(new) == 60
    assert RawRecord.objects.count() == 60


def test_constructor_refuses_a_model_whose_columns_changed():
    with pytest.raises(TypeError, match="CheckResult columns are"):
        bulk.constructor(CheckResult, ("id", "rule_id"))
