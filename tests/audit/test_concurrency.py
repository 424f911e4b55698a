"""Writers appending at once never fork the chain (IM-8).

Several processes write the log at the same time: the web server, the
gateways, the sweepers. Each append locks the chain's head inside its own
transaction, so every entry links to the one committed before it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.db import connection, transaction

from offsite.audit.models import AuditEntry, ChainHead
from offsite.audit.queries import verify_chain
from offsite.audit.services import record

AT = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
PER_WRITER = 50


def _append(writer: str, failures: list[BaseException], start: threading.Barrier):
    try:
        start.wait(timeout=30)
        for n in range(PER_WRITER):
            with transaction.atomic():
                record(
                    actor=writer,
                    action="event.transition",
                    object_type="event",
                    object_id=n,
                    at=AT,
                    detail={"n": n},
                )
    except BaseException as error:  # reported by the test, not lost in a thread
        failures.append(error)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_connections_appending_at_once_keep_one_chain():
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip(
            "threads share SQLite's in-memory test database, whose shared-cache "
            "locks fail at once instead of waiting; "
            "test_two_processes_appending_to_one_sqlite_file_keep_one_chain "
            "covers SQLite"
        )
    failures: list[BaseException] = []
    start = threading.Barrier(2)
    writers = [
        threading.Thread(target=_append, args=(name, failures, start))
        for name in ("gateway", "sweeper")
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=120)

    assert failures == []
    assert AuditEntry.objects.count() == 2 * PER_WRITER
    assert list(
        AuditEntry.objects.order_by("sequence").values_list("sequence", flat=True)
    ) == list(range(1, 2 * PER_WRITER + 1))
    assert ChainHead.objects.get().sequence == 2 * PER_WRITER
    verdict = verify_chain()
    assert (verdict.ok, verdict.checked) == (True, 2 * PER_WRITER)


APPENDER = f"""
import django, sys
django.setup()
from datetime import datetime, UTC
from django.db import transaction
from offsite.audit.services import record
for n in range({PER_WRITER}):
    with transaction.atomic():
        record(actor=sys.argv[1], action="event.transition", object_type="event",
               object_id=n, at=datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
"""


def test_two_processes_appending_to_one_sqlite_file_keep_one_chain(tmp_path: Path):
    # The embedded database: a file shared by processes, whose writers queue
    # at BEGIN IMMEDIATE (settings.py).
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(OFFSITE_HOME=str(tmp_path), DJANGO_SETTINGS_MODULE="offsite.settings")
    offsite = [sys.executable, "-m", "django"]
    subprocess.run([*offsite, "migrate", "audit", "-v", "0"], env=env, check=True)

    writers = [
        subprocess.Popen(
            [sys.executable, "-c", APPENDER, name],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("gateway", "sweeper")
    ]
    errors = [writer.communicate(timeout=120)[1] for writer in writers]
    verified = subprocess.run(
        [*offsite, "audit", "verify"], env=env, capture_output=True, text=True
    )

    assert [writer.returncode for writer in writers] == [0, 0], errors
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.startswith(f"OK: {2 * PER_WRITER} entries, chain head ")
