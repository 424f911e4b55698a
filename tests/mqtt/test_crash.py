"""`offsite mqtt` killed mid-stream loses nothing and stores nothing twice.

The subscriber runs as its own process on the test database, is killed
with SIGKILL while messages flow, and a new subscriber of the same session
finishes the stream: every message is stored exactly once, including those
stored by the killed process but not yet acknowledged to the broker.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from django.db import connection
from paho.mqtt import publish as paho_publish

from offsite.intake.models import Observation, RawRecord

from .conftest import BROKER_HOST, BROKER_PORT, fire_alarm

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the killed process needs a test database it can open itself",
    ),
]

MESSAGES = 60
WAIT_SECONDS = 30


def test_a_subscriber_killed_mid_stream_loses_nothing_and_stores_nothing_twice(
    provider, make_subscriber, tag, tmp_path
):
    started = make_subscriber()
    started.start()
    assert started.wait_subscribed(10)
    started.stop()
    topic = f"offsite/v1/{provider.slug}/smoke-7/pressure"
    first = datetime.fromisoformat("2026-12-03T09:00:00+08:00")
    paho_publish.multiple(
        [
            {
                "topic": topic,
                "payload": json.dumps(
                    fire_alarm(
                        name="pressure_mpa",
                        value=0.3,
                        observed_at=(first + timedelta(seconds=n)).isoformat(),
                    )
                ),
                "qos": 1,
            }
            for n in range(MESSAGES)
        ],
        hostname=BROKER_HOST,
        port=BROKER_PORT,
        protocol=paho.MQTTv5,
    )

    process = _start_command(f"offsite-test-{tag}", provider.slug, tmp_path)
    try:
        _wait_until(lambda: RawRecord.objects.count() >= 5)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    stored_when_killed = RawRecord.objects.count()
    assert stored_when_killed < MESSAGES, "the stream ended before the kill"

    make_subscriber().start()
    _wait_until(lambda: RawRecord.objects.count() >= MESSAGES)
    time.sleep(0.5)

    assert RawRecord.objects.count() == MESSAGES
    assert RawRecord.objects.filter(status="accepted").count() == MESSAGES
    assert Observation.objects.count() == MESSAGES
    assert Observation.objects.values("observed_at").distinct().count() == MESSAGES


def _start_command(client_id: str, slug: str, tmp_path: Path) -> subprocess.Popen:
    database = connection.settings_dict
    url = (
        f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@"
        f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/"
        f"{database['NAME']}"
    )
    log = open(tmp_path / "mqtt.log", "wb")  # noqa: SIM115 - kept by the child
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "offsite.cli",
            "mqtt",
            "--url",
            f"mqtt://{BROKER_HOST}:{BROKER_PORT}",
            "--client-id",
            client_id,
            "--topic",
            f"offsite/v1/{slug}/+/+",
        ],
        env=os.environ | {"DATABASE_URL": url},
        stdout=log,
        stderr=log,
    )


def _wait_until(condition) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
