"""The `offsite` command as a user types it, in a child process."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.protocols.samples import S2_DEVICE_CLOCK


def offsite(*args: str, cwd, env_extra=None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env.pop("OFFSITE_HOME", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "offsite.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_command_run_where_there_is_no_database_says_where_it_looked(tmp_path):
    done = offsite("events", "list", cwd=tmp_path)

    assert done.returncode == 1
    assert done.stderr.startswith(
        f"offsite events: no database at {tmp_path / 'var' / 'offsite.sqlite3'}."
    )
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "var").exists()


def test_a_reader_that_stops_early_ends_the_command_quietly(tmp_path):
    # Far more than a pipe holds, so the command is still writing when
    # `head` goes away.
    (tmp_path / "frames.hex").write_text((S2_DEVICE_CLOCK.hex() + "\n") * 3000)

    done = subprocess.run(
        f"{sys.executable} -m offsite.cli gb26875 decode - < frames.hex | head -c 1",
        shell=True,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.stdout == "{"
    assert "Traceback" not in done.stderr
