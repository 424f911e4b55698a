"""`offsite bench intake` runs end to end and its counts add up.

The bench is a measurement, not a test of speed: these tests run it with a
handful of frames on SQLite and check what it reports and that nothing it
sent went missing, never how fast it went.
"""

from __future__ import annotations

import json
from datetime import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from offsite.bench import frames as benchframes
from offsite.bench import intake as bench
from offsite.protocols import gb26875

FRAMES = 60


def run_bench(*arguments: str) -> dict:
    out = StringIO()
    call_command(
        "bench",
        "intake",
        "--database-url",
        "sqlite",
        "--devices",
        "10",
        "--json",
        *arguments,
        stdout=out,
        stderr=StringIO(),
    )
    return json.loads(out.getvalue())


@pytest.fixture(scope="module")
def report() -> dict:
    return run_bench(
        "--frames",
        str(FRAMES),
        "--batch",
        "25",
        "--latency-seconds",
        "1",
        "--background-rate",
        "20",
        "--probe-rate",
        "10",
    )


@pytest.fixture(scope="module")
def phases(report) -> dict:
    (sqlite,) = report["databases"]
    return sqlite["phases"]


def test_the_report_has_one_entry_per_database_with_every_phase(report):
    assert [entry["database"] for entry in report["databases"]] == ["sqlite"]
    assert sorted(report["databases"][0]["phases"]) == [
        "gateway",
        "http",
        "latency",
        "plain",
        "service",
        "tcp",
    ]


def test_every_frame_sent_through_the_gateway_is_stored(phases):
    gateway = phases["gateway"]

    assert gateway["frames"] == FRAMES
    assert (gateway["accepted"], gateway["rejected"], gateway["duplicate"]) == (
        FRAMES,
        0,
        0,
    )
    assert gateway["stored"] == FRAMES


def test_the_plain_insert_stores_the_same_number_of_rows(phases):
    assert (phases["plain"]["frames"], phases["plain"]["stored"]) == (FRAMES, FRAMES)
    assert phases["plain"]["method"] == "executemany in one transaction"


def test_every_observation_sent_in_batches_is_stored(phases):
    for path in ("service", "http"):
        figures = phases[path]
        assert figures["observations"] == figures["observations_sent"]
        # 500 observations to a batch, one raw record each.
        assert figures["raw_records"] == -(-figures["observations_sent"] // 500)


def test_every_http_batch_is_answered_200(phases):
    assert list(phases["http"]["responses"]) == ["200"]


def test_every_fire_alarm_of_the_latency_run_ends_warned(phases):
    latency = phases["latency"]

    assert latency["alarms"] == 10
    assert latency["alarms_warned"] == 10
    assert latency["p50_seconds"] <= latency["p99_seconds"] <= latency["max_seconds"]


def test_the_real_gateway_confirms_every_frame_and_warns_every_alarm(phases):
    tcp = phases["tcp"]

    assert tcp["connections"] == 10
    # 20 frames/s for one second, 10 alarms, and one hello per device first.
    assert tcp["sent"] == tcp["confirmed"] == 30
    assert tcp["stored"] == 30 + 10
    assert (tcp["alarms"], tcp["alarms_warned"]) == (10, 10)
    assert tcp["gateway_errors"] == []
    assert tcp["alarm_p50_seconds"] <= tcp["alarm_p99_seconds"]


def test_the_ratio_to_the_plain_insert_is_reported(report, phases):
    ratio = report["databases"][0]["gateway_to_plain_ratio"]

    expected = (
        phases["gateway"]["frames_per_second"] / (phases["plain"]["frames_per_second"])
    )
    assert ratio == pytest.approx(expected, abs=1e-4)


def test_each_phase_reports_its_peak_memory(phases):
    for figures in phases.values():
        assert figures["peak_rss_mb"] > 0


def test_the_table_names_every_path_and_the_latency(report):
    text = bench.table(report)

    for path in ("plain", "gateway", "service", "http"):
        assert f"sqlite         {path}" in text
    assert "fire alarm arrival → warned, 10 alarms (10 warned)" in text
    assert "offsite gateway over 10 sockets, 20 frames/s offered: 30 of 30" in text


def test_two_gateway_workers_store_every_frame_once():
    report = run_bench("--frames", "40", "--phases", "gateway", "--workers", "2")

    gateway = report["databases"][0]["phases"]["gateway"]
    assert (gateway["workers"], gateway["frames"], gateway["stored"]) == (2, 40, 40)
    assert sum(worker["frames"] for worker in gateway["per_worker"]) == 40


def test_a_burst_loses_nothing():
    report = run_bench(
        "--burst", "--burst-seconds", "2", "--base-rate", "10", "--batch", "10"
    )

    burst = report["databases"][0]["phases"]["burst"]
    assert burst["sent"] > 0
    assert burst["stored"] == burst["sent"]
    assert burst["lost"] == 0
    assert burst["memory_over_time"]


def test_an_unknown_phase_is_refused():
    with pytest.raises(CommandError, match="--phases: warp not among plain"):
        run_bench("--phases", "warp")


def test_a_database_url_of_another_kind_is_refused():
    with pytest.raises(CommandError, match="'mysql://x/y' is neither 'sqlite'"):
        call_command(
            "bench", "intake", "--database-url", "mysql://x/y", stdout=StringIO()
        )


@pytest.mark.parametrize(
    ("kind", "app_type"),
    [
        (benchframes.KEEP_ALIVE, 28),
        (benchframes.STATUS, 2),
        (benchframes.PRINTER, 9),
    ],
)
def test_synthetic_frames_decode_as_the_captures_do(kind, app_type):
    factory = benchframes.FrameFactory(devices=10, start=datetime(2026, 3, 2, 9, 0))
    frame = next(f for f in factory.frames(200) if f.kind == kind)

    decoded = gb26875.decode(frame.data)

    assert decoded.app_type == app_type
    codes = {fact.point.code for fact in gb26875.facts(decoded) if fact.point}
    assert codes == ({frame.point_code} if frame.point_code else set())


def test_no_two_synthetic_frames_are_alike():
    factory = benchframes.FrameFactory(devices=10, start=datetime(2026, 3, 2, 9, 0))

    frames = factory.frames(2000)

    assert len({frame.data for frame in frames}) == 2000
