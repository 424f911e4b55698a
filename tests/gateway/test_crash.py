"""A gateway killed mid-stream loses no acknowledged frame (IM-7).

`offsite gateway` runs as a real process on a database file (SQLite) or on
the test database (PostgreSQL). A device streams frames with distinct
serials and notes which were confirmed; the gateway is killed with SIGKILL
half-way, started again, and the device resends what was not confirmed.
"""

from __future__ import annotations

import hashlib
import os
import selectors
import signal
import socket
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.db import connections

from offsite.intake.models import RawRecord
from offsite.protocols import gb26875
from offsite.protocols.gb26875 import codes

from .support import HAIWAN, clock_frame, command_of, serial_of

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

FRAMES = 400
KILL_AFTER_CONFIRMS = 100
SEND_BLOCK_FRAMES = 20


class GatewayProcess:
    """`offsite gateway --port 0` in a child process."""

    def __init__(self, env: dict[str, str], *, log: Path) -> None:
        self.log = log
        with log.open("a") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "offsite.cli", "gateway", "--port", "0"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )
        self.port = self._read_port(timeout_seconds=120)

    def _read_port(self, *, timeout_seconds: float) -> int:
        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout_seconds):
            self.process.kill()
            raise TimeoutError("the gateway did not say it was listening")
        line = self.process.stdout.readline()
        if "listening on " not in line:
            raise RuntimeError(f"the gateway failed to start:\n{self.log.read_text()}")
        # "GB/T 26875.3 gateway listening on 127.0.0.1:PORT (keep-alive …)"
        return int(line.split("listening on ", 1)[1].split()[0].rsplit(":", 1)[1])

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def terminate(self) -> None:
        self.process.terminate()
        self.process.wait(60)


def stream(port: int, frames: dict[int, bytes], *, kill=None) -> set[int]:
    """Send frames in order; return the serials confirmed before the link broke.

    `kill` is called once, as soon as KILL_AFTER_CONFIRMS were confirmed.
    """
    confirmed: set[int] = set()
    splitter = gb26875.FrameSplitter()
    pending = list(frames.values())
    with socket.create_connection(("127.0.0.1", port), timeout=30) as link:
        try:
            while pending or len(confirmed) < len(frames):
                if pending:
                    link.sendall(b"".join(pending[:SEND_BLOCK_FRAMES]))
                    del pending[:SEND_BLOCK_FRAMES]
                link.settimeout(0.05 if pending else 30)
                try:
                    chunk = link.recv(65536)
                except TimeoutError:
                    continue
                if not chunk:
                    break
                for reply in splitter.feed(chunk):
                    if command_of(reply) == codes.COMMAND_CONFIRM:
                        confirmed.add(serial_of(reply))
                if kill is not None and len(confirmed) >= KILL_AFTER_CONFIRMS:
                    kill()
                    kill = None
        except (ConnectionError, OSError):
            pass
    return confirmed


@pytest.fixture
def child_database(register_device, tmp_path: Path):
    """Give the child process the test's database; return a stored-frame counter.

    On SQLite the in-memory test database is copied to a file in the child's
    OFFSITE_HOME; on PostgreSQL the child opens the test database itself.
    """
    register_device(HAIWAN)
    env = {**os.environ, "OFFSITE_HOME": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    connection = connections["default"]

    if connection.vendor == "sqlite":
        env.pop("DATABASE_URL", None)
        path = tmp_path / "offsite.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(path) as target:
            connection.connection.backup(target)

        def stored() -> Counter[str]:
            with sqlite3.connect(path) as database:
                rows = database.execute(
                    "SELECT sha256 FROM intake_rawrecord WHERE origin NOT LIKE ?",
                    ("gateway:%",),
                ).fetchall()
            return Counter(row[0] for row in rows)

    else:
        settings = connection.settings_dict
        env["DATABASE_URL"] = (
            f"postgres://{settings['USER']}:{settings['PASSWORD'] or ''}"
            f"@{settings['HOST']}:{settings['PORT'] or 5432}/{settings['NAME']}"
        )

        def stored() -> Counter[str]:
            return Counter(
                RawRecord.objects.exclude(origin__startswith="gateway:").values_list(
                    "sha256", flat=True
                )
            )

    return env, stored


def test_a_gateway_killed_mid_stream_loses_no_confirmed_frame(child_database, tmp_path):
    env, stored = child_database
    frames = {
        serial: clock_frame(serial, minute=serial % 60) for serial in range(FRAMES)
    }
    log = tmp_path / "gateway.log"

    first = GatewayProcess(env, log=log)
    confirmed_before = stream(first.port, frames, kill=first.kill)
    second = GatewayProcess(env, log=log)
    resent = {s: f for s, f in frames.items() if s not in confirmed_before}
    confirmed_after = stream(second.port, resent)
    second.terminate()

    # The kill came mid-stream: some frames were confirmed, some not.
    assert KILL_AFTER_CONFIRMS <= len(confirmed_before) < FRAMES
    assert confirmed_before | confirmed_after == set(range(FRAMES))
    counts = stored()
    digests = [hashlib.sha256(frames[s]).hexdigest() for s in range(FRAMES)]
    assert [counts[d] for d in digests] == [1] * FRAMES
    assert sum(counts.values()) == FRAMES
