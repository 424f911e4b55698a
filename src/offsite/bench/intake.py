"""`offsite bench intake`: how many frames intake takes per second, and at what cost.

The bench works on each database kind in a fresh database of its own (a
temporary SQLite file; a PostgreSQL database it creates and drops) and runs
each phase in a child process, so that every phase starts from a cold cache
and reports the peak memory of its own process:

- `setup`: migrate, register a few demo units, the devices with their
  points (as commissioning registers them) and a provider.
- `plain`: insert the raw rows of the N frames with the fastest plain means
  the database offers (PostgreSQL `COPY`; SQLite `executemany` in one
  transaction), then empty the table again. This is the ceiling the intake
  path is compared with.
- `gateway`: the N frames through `store_frames` then `process_receipts`,
  in batches as the TCP gateway hands them over; `--read-batch` reads a
  stored batch in smaller calls, `--workers` runs several such processes at
  once, each for its share of the devices.
- `service`: the same frames' facts through `receive_observation_batch`,
  500 observations to a batch, as the MQTT subscriber calls it.
- `http`: the same batches posted to `/api/v1/observations` with Django's
  test client (JSON parsing, validation, API key and device checks).
- `latency`: frames arriving at the background rate on a clock, taken by a
  loop that stores and reads whatever has arrived, as a gateway does, with
  fire alarms on new points mixed in; the latency of an alarm runs from its
  arrival to the end of the batch that read it, by which time its event is
  committed in the warned state.
- `tcp`: the same clock of frames and alarms sent over one socket per
  device to a real `offsite gateway` process (see `bench.tcp`): confirmed
  frames per second, send-to-confirm and send-to-warned times.
- `burst` (with `--burst`): ten times the base rate for a while, into a
  bounded queue a producer blocks on when it is full (the back-pressure a
  gateway exerts by not reading its sockets), with memory sampled over time
  and the raw records counted against the frames sent.

The figures are measurements of this machine, not assertions; nothing here
is run as a timed test.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from offsite.bench import frames as benchframes
from offsite.bench.figures import quantile
from offsite.bench.frames import (
    PROBE_ALARM,
    FrameFactory,
    SyntheticFrame,
)

logger = logging.getLogger(__name__)

BEIJING = ZoneInfo("Asia/Shanghai")
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/offsite_bench"
PHASES = ("plain", "gateway", "service", "http", "latency", "tcp")
# Each phase's frames get their own stretch of device clock, so the frames
# of one phase are never duplicates of another's.
CLOCK_OFFSET = {
    "plain": 0,
    "gateway": 0,
    "service": 0,
    "http": 20,
    "latency": 40,
    "tcp": 60,
    "burst": 80,
}
# Where each phase's fire alarms start counting their new points, so the
# latency and tcp phases never alarm on the same point of one database.
PROBES_BEFORE = {"latency": 0, "tcp": 100_000}
DISTRICTS = ("110105", "110108", "110102", "110106", "110114")
PROVIDER_SLUG = "bench-iot"
READY = "ready"


@dataclass
class BenchOptions:
    """What to run; the defaults are those the README figures were taken with."""

    frames: int = 20_000
    devices: int = 300
    units: int = 5
    batch: int = 500
    read_batch: int = 0  # frames per process_receipts call; 0: the whole batch
    workers: int = 1  # gateway processes sharing the frames, by device
    worker: int = 0  # which of them this process is (set for each child)
    http_batch: int = 500
    background_rate: int = 5_000
    latency_seconds: float = 30.0
    probe_rate: float = 2.0
    burst: bool = False
    burst_seconds: float = 600.0
    base_rate: int = 5_000
    queue_frames: int = 20_000
    databases: list[str] = field(default_factory=list)
    phases: list[str] = field(default_factory=lambda: list(PHASES))
    seed: int = 26875

    def start(self) -> datetime:
        """Return the device clock of the first frame: a fixed, recent date."""
        return datetime(2026, 3, 2, 9, 0)


# The parent: one fresh database after another -------------------------------


def run(options: BenchOptions, *, progress: Callable[[str], None]) -> dict[str, Any]:
    """Run every phase on every database and return the report."""
    report: dict[str, Any] = {
        "started_at": datetime.now(BEIJING).isoformat(timespec="seconds"),
        "machine": _machine(),
        "options": asdict(options),
        "databases": [],
    }
    for url in options.databases or ["sqlite", DEFAULT_POSTGRES]:
        entry: dict[str, Any] = {"database": _label(url), "phases": {}}
        report["databases"].append(entry)
        try:
            with fresh_database(url) as child_url:
                progress(f"{entry['database']}: migrate and seed")
                entry["setup"] = _child("setup", options, child_url)
                phases = list(options.phases)
                if options.burst:
                    phases = ["burst"]
                for phase in phases:
                    progress(f"{entry['database']}: {phase}")
                    entry["phases"][phase] = _child(phase, options, child_url)
        except DatabaseUnavailableError as error:
            entry["skipped"] = str(error)
            progress(f"{entry['database']}: skipped, {error}")
        _ratio(entry)
    report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return report


def _ratio(entry: dict[str, Any]) -> None:
    phases = entry["phases"]
    plain, gateway = phases.get("plain"), phases.get("gateway")
    if plain and gateway and plain.get("frames_per_second"):
        entry["gateway_to_plain_ratio"] = round(
            gateway["frames_per_second"] / plain["frames_per_second"], 4
        )


class DatabaseUnavailableError(RuntimeError):
    """The database server to bench on cannot be reached."""


@contextmanager
def fresh_database(url: str) -> Iterator[str]:
    """Create an empty database for `url`, yield its URL, and drop it after.

    "sqlite" means a temporary file. A PostgreSQL URL names the database to
    create; one left over by an interrupted bench is dropped first, but only
    if its name starts with "offsite_bench" or "h_bench", so that a
    mistyped URL never drops somebody's data.
    """
    if url == "sqlite":
        directory = tempfile.mkdtemp(prefix="offsite-bench-")
        try:
            yield f"sqlite:///{os.path.join(directory, 'bench.sqlite3')}"
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        return

    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"--database-url: {url!r} is neither 'sqlite' nor postgres://")
    name = parts.path.lstrip("/")
    if not name:
        raise ValueError(f"--database-url: {url!r} names no database")
    admin = urlunsplit(parts._replace(path="/postgres"))

    import psycopg
    from psycopg import sql

    try:
        connection = psycopg.connect(admin, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        raise DatabaseUnavailableError(
            f"{_label(url)} not reachable ({error})"
        ) from None
    with connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
        if exists:
            if not name.startswith(("offsite_bench", "h_bench")):
                raise ValueError(
                    f"--database-url: database {name!r} exists; the bench creates "
                    "and drops its own, so name one that does not exist"
                )
            connection.execute(
                sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name))
            )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(name)
                )
            )


def _label(url: str) -> str:
    if url == "sqlite" or url.startswith("sqlite:"):
        return "sqlite"
    parts = urlsplit(url)
    return f"postgresql {parts.hostname}:{parts.port or 5432}/{parts.path.lstrip('/')}"


def _child(phase: str, options: BenchOptions, database_url: str) -> dict[str, Any]:
    """Run one phase in a new process on the bench database; return its figures."""
    if phase == "gateway" and options.workers > 1:
        return _workers(options, database_url)
    done = subprocess.run(
        _command(phase, options),
        env=dict(os.environ, DATABASE_URL=database_url),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"bench phase {phase} failed (exit {done.returncode}):\n"
            + done.stderr[-4000:]
        )
    return _last_json(done.stdout)


def _command(phase: str, options: BenchOptions) -> list[str]:
    return [
        sys.executable,
        "-m",
        "offsite.cli",
        "bench",
        "intake",
        "--phase",
        phase,
        "--phase-options",
        json.dumps(asdict(options)),
    ]


def _last_json(stdout: str) -> dict[str, Any]:
    lines = [line for line in stdout.splitlines() if line.strip()]
    return json.loads(lines[-1])


def _workers(options: BenchOptions, database_url: str) -> dict[str, Any]:
    """Run the gateway phase in several processes at once, as several gateways.

    Each takes the frames of its share of the devices, so every device's
    frames stay in order. They prepare their frames, say they are ready,
    and start together when told; the rate is all frames over the time from
    the first start to the last end.
    """
    children = [
        subprocess.Popen(
            _command("gateway", replace(options, worker=worker)),
            env=dict(os.environ, DATABASE_URL=database_url),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for worker in range(options.workers)
    ]
    for child in children:
        if child.stdout.readline().strip() != READY:
            break
    for child in children:
        with contextlib.suppress(BrokenPipeError):
            child.stdin.write("go\n")
            child.stdin.flush()
    results = []
    for worker, child in enumerate(children):
        stdout, stderr = child.communicate()
        if child.returncode != 0:
            raise RuntimeError(
                f"bench gateway worker {worker} failed (exit {child.returncode}):\n"
                + stderr[-4000:]
            )
        results.append(_last_json(stdout))

    seconds = max(r["ended_at"] for r in results) - min(
        r["started_at"] for r in results
    )
    frames = sum(r["frames"] for r in results)
    last = max(results, key=lambda r: r["ended_at"])
    combined: dict[str, Any] = {
        key: sum(r[key] for r in results)
        for key in ("frames", "accepted", "rejected", "duplicate", "stored")
    }
    combined.update(
        workers=len(results),
        # The last to finish counted what all of them wrote.
        observations=last["observations"],
        check_results=last["check_results"],
        seconds=round(seconds, 3),
        frames_per_second=round(frames / seconds, 1),
        rss_before_mb=max(r["rss_before_mb"] for r in results),
        peak_rss_mb=max(r["peak_rss_mb"] for r in results),
        batch=options.batch,
        read_batch=results[0]["read_batch"],
        per_worker=[
            {k: r[k] for k in ("frames", "seconds", "frames_per_second")}
            for r in results
        ],
    )
    return combined


def _machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


# The child: one phase on the bench database ---------------------------------


def run_phase(phase: str, options: BenchOptions) -> dict[str, Any]:
    """Run one phase in this process (Django is set up on the bench database)."""
    runner = {
        "setup": _setup,
        "plain": _plain,
        "gateway": _gateway,
        "service": _service,
        "http": _http,
        "latency": _latency,
        "tcp": _tcp,
        "burst": _burst,
    }[phase]
    result = runner(options)
    result["peak_rss_mb"] = _peak_rss_mb()
    return result


def _setup(options: BenchOptions) -> dict[str, Any]:
    from django.core.management import call_command

    from offsite.registry import services as registry
    from offsite.registry.creditcode import make_credit_code
    from offsite.registry.models import Device, Point

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter() - started

    units = [
        registry.register_unit(
            credit_code=make_credit_code(organisation=95_000_000 + i),
            name=f"基准测试单位{i + 1}",
            district_code=DISTRICTS[i % len(DISTRICTS)],
            category="key_unit",
        )
        for i in range(options.units)
    ]
    factory = _factory(options, "setup")
    Device.objects.bulk_create(
        Device(
            unit=units[i % len(units)],
            source_address=device.source_hex,
            kind=Device.Kind.TRANSMISSION,
            name=f"用户信息传输装置 {device.source_hex}",
        )
        for i, device in enumerate(factory.devices)
    )
    registry.register_provider(
        name="基准测试物联网平台", slug=PROVIDER_SLUG, units=units
    )
    points = Point.objects.bulk_create(_points(factory))
    return {
        "units": len(units),
        "devices": len(factory.devices),
        "points": len(points),
        "migrate_seconds": round(migrated, 2),
    }


def _points(factory: FrameFactory) -> list:
    """Return the points of the mix, registered as a commissioned device's are."""
    from offsite.registry.models import Device, Point

    devices = {d.source_address: d for d in Device.objects.all()}
    points = []
    for bench_device in factory.devices:
        device = devices[bench_device.source_hex]
        if bench_device.vendor == "haiwan":
            points += [
                Point(
                    device=device,
                    code=f"1-1-{component}",
                    system_type=1,
                    system_address=1,
                    component_type=benchframes.COMPONENT_TYPE_SMOKE,
                    component_address=component,
                )
                for component in range(1, benchframes.COMPONENTS_PER_DEVICE + 1)
            ]
        else:
            points += [
                Point(
                    device=device,
                    code=benchframes.printer_point(name, room),
                    name=name,
                )
                for name in benchframes.PRINTER_DEVICES
                for room in benchframes.PRINTER_ROOMS
            ]
    return points


def _factory(options: BenchOptions, phase: str) -> FrameFactory:
    return FrameFactory(
        devices=options.devices,
        start=options.start() + timedelta(days=CLOCK_OFFSET.get(phase, 0)),
        seed=options.seed,
    )


def _incoming(frames: Sequence[SyntheticFrame], origin: str):
    from django.utils import timezone

    from offsite.intake.services import IncomingFrame

    now = timezone.now()
    return [IncomingFrame(data=f.data, origin=origin, received_at=now) for f in frames]


def _plain(options: BenchOptions) -> dict[str, Any]:
    """Insert the frames' raw rows with the database's fastest plain means."""
    import hashlib

    from django.db import connection, transaction
    from django.utils import timezone

    from offsite.intake.models import RawRecord
    from offsite.registry.models import Device

    frames = _factory(options, "plain").frames(options.frames)
    device_ids = dict(Device.objects.values_list("source_address", "pk"))
    now = timezone.now()
    rows = [
        (
            RawRecord.Source.GB26875_TCP,
            "bench plain",
            now,
            frame.data,
            hashlib.sha256(frame.data).hexdigest(),
            hashlib.sha256(b"plain\x00" + frame.data).hexdigest(),
            RawRecord.Status.ACCEPTED,
            "",
            device_ids[f"{int.from_bytes(frame.data[12:18], 'little'):012x}"],
        )
        for frame in frames
    ]
    columns = (
        "source, origin, received_at, payload, sha256, dedup_key, status, "
        "reject_reason, device_id"
    )
    table = RawRecord._meta.db_table
    rss_before = _rss_mb()

    started = time.perf_counter()
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        with (
            connection.connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        connection.connection.commit()
        method = "COPY"
    else:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * 9)})",
                rows,
            )
        method = "executemany in one transaction"
    elapsed = time.perf_counter() - started

    stored = RawRecord.objects.filter(origin="bench plain").count()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {table} CASCADE")
    else:
        RawRecord.objects.filter(origin="bench plain").delete()
    return {
        "method": method,
        "frames": len(rows),
        "stored": stored,
        "seconds": round(elapsed, 3),
        "frames_per_second": round(len(rows) / elapsed, 1),
        "rss_before_mb": rss_before,
    }


def _gateway(options: BenchOptions) -> dict[str, Any]:
    """Push the frames through store_frames and process_receipts, in batches.

    With several workers, this process takes the frames of every
    `workers`-th device and starts when the parent says so.
    """
    from offsite.intake import services
    from offsite.intake.models import Observation, RawRecord
    from offsite.monitoring.models import CheckResult

    frames = _factory(options, "gateway").frames(options.frames)
    if options.workers > 1:
        frames = [
            f for f in frames if f.device_index % options.workers == options.worker
        ]
    origin = f"bench gateway {options.worker}"
    incoming = _incoming(frames, origin)
    rss_before = _rss_mb()
    statuses: dict[str, int] = {"accepted": 0, "rejected": 0, "duplicate": 0}
    if options.workers > 1:
        print(READY, flush=True)
        sys.stdin.readline()

    read_batch = options.read_batch or options.batch
    started_at = time.time()
    started = time.perf_counter()
    for i in range(0, len(incoming), options.batch):
        receipts = services.store_frames(
            incoming[i : i + options.batch], source=RawRecord.Source.GB26875_TCP
        )
        for j in range(0, len(receipts), read_batch):
            services.process_receipts(receipts[j : j + read_batch])
        for receipt in receipts:
            statuses[receipt.status] += 1
    elapsed = time.perf_counter() - started
    ended_at = time.time()

    return {
        "frames": len(incoming),
        **statuses,
        "stored": RawRecord.objects.filter(origin=origin).count(),
        "observations": Observation.objects.filter(
            raw_record__origin__startswith="bench gateway"
        ).count(),
        "check_results": CheckResult.objects.count(),
        "seconds": round(elapsed, 3),
        "frames_per_second": round(len(incoming) / elapsed, 1),
        "started_at": started_at,
        "ended_at": ended_at,
        "rss_before_mb": rss_before,
        "batch": options.batch,
        "read_batch": read_batch,
    }


def _items(frames: Sequence[SyntheticFrame]) -> list[dict[str, Any]]:
    """Return the canonical observations the frames' facts make, one per fact."""
    from offsite.protocols import gb26875

    items = []
    for frame in frames:
        decoded = gb26875.decode(frame.data)
        device = decoded.source_hex
        sent_at = decoded.header.sent_at
        for fact in gb26875.facts(decoded):
            item = {
                "device": device,
                "name": fact.name,
                "value": fact.value,
                # GB/T 26875.3 time labels are Beijing time.
                "observed_at": (fact.observed_at or sent_at)
                .replace(tzinfo=BEIJING)
                .isoformat(),
            }
            if fact.point is not None:
                item["point"] = fact.point.code
            items.append(item)
    return items


def _chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _service(options: BenchOptions) -> dict[str, Any]:
    """Push the frames' facts through receive_observation_batch, 500 at a time."""
    from offsite.intake import services
    from offsite.intake.models import Observation, RawRecord
    from offsite.registry.models import Device

    frames = _factory(options, "service").frames(options.frames)
    items = _items(frames)
    devices = {d.source_address: d for d in Device.objects.select_related("unit")}
    batches = []
    for chunk in _chunks(items, options.http_batch):
        body = json.dumps(chunk, ensure_ascii=False).encode()
        canonical = [
            services.CanonicalObservation(
                device=devices[item["device"]],
                point_code=item.get("point"),
                name=item["name"],
                value=item["value"],
                observed_at=datetime.fromisoformat(item["observed_at"]),
            )
            for item in chunk
        ]
        batches.append((body, canonical))
    rss_before = _rss_mb()

    started = time.perf_counter()
    accepted = 0
    for body, canonical in batches:
        receipt = services.receive_observation_batch(
            body,
            provider_slug=PROVIDER_SLUG,
            items=canonical,
            source=RawRecord.Source.MQTT,
            origin="bench service",
        )
        accepted += receipt.status == "accepted"
    elapsed = time.perf_counter() - started

    return {
        "frames": len(frames),
        "observations_sent": len(items),
        "raw_records": accepted,
        "stored": RawRecord.objects.filter(origin="bench service").count(),
        "observations": Observation.objects.filter(
            raw_record__origin="bench service"
        ).count(),
        "seconds": round(elapsed, 3),
        "frames_per_second": round(len(frames) / elapsed, 1),
        "observations_per_second": round(len(items) / elapsed, 1),
        "rss_before_mb": rss_before,
        "batch": options.http_batch,
    }


def _http(options: BenchOptions) -> dict[str, Any]:
    """Post the frames' facts to /api/v1/observations, 500 to a batch."""
    from django.test import Client

    from offsite.intake.models import Observation, RawRecord
    from offsite.registry import services as registry
    from offsite.registry.models import Provider

    frames = _factory(options, "http").frames(options.frames)
    items = _items(frames)
    bodies = [
        json.dumps(chunk, ensure_ascii=False).encode()
        for chunk in _chunks(items, options.http_batch)
    ]
    key = registry.issue_api_key(
        provider=Provider.objects.get(slug=PROVIDER_SLUG), label="bench"
    )
    client = Client(HTTP_HOST="localhost", HTTP_X_API_KEY=key)
    rss_before = _rss_mb()

    started = time.perf_counter()
    answers: dict[int, int] = {}
    for body in bodies:
        response = client.post(
            "/api/v1/observations", data=body, content_type="application/json"
        )
        answers[response.status_code] = answers.get(response.status_code, 0) + 1
    elapsed = time.perf_counter() - started

    http = RawRecord.objects.filter(source=RawRecord.Source.HTTP)
    return {
        "frames": len(frames),
        "observations_sent": len(items),
        "responses": {str(k): v for k, v in sorted(answers.items())},
        "stored": http.count(),
        "raw_records": http.filter(status=RawRecord.Status.ACCEPTED).count(),
        "observations": Observation.objects.filter(
            raw_record__source=RawRecord.Source.HTTP
        ).count(),
        "seconds": round(elapsed, 3),
        "frames_per_second": round(len(frames) / elapsed, 1),
        "observations_per_second": round(len(items) / elapsed, 1),
        "rss_before_mb": rss_before,
        "batch": options.http_batch,
    }


@dataclass
class _Arrival:
    frame: SyntheticFrame
    at: float  # time.monotonic() when the gateway got it


def _take(
    arrived: Sequence[_Arrival], *, source: str, origin: str
) -> tuple[list, float]:
    """Store, then read, a batch as a gateway does; return receipts and end times.

    As the gateway does, the frames of devices that report a fire alarm are
    read first; the first end time is when they are read, the second when
    the whole batch is.
    """
    from django.utils import timezone

    from offsite.intake import services

    now = timezone.now()
    incoming = [
        services.IncomingFrame(data=a.frame.data, origin=origin, received_at=now)
        for a in arrived
    ]
    receipts = services.store_frames(incoming, source=source)
    first, rest = services.alarms_first([r for r in receipts if r.status == "accepted"])
    services.process_receipts(first)
    alarms_read = time.monotonic()
    services.process_receipts(rest)
    return receipts, alarms_read, time.monotonic()


def _latency(options: BenchOptions) -> dict[str, Any]:
    """Measure arrival-to-warned time of fire alarms under background load.

    Background frames arrive at `background_rate` per second and alarms on
    points never seen before at `probe_rate`, each on a schedule of its own.
    The loop takes every frame that has arrived (at most 10 batches' worth),
    stores it, reads the alarms' devices' frames first as the gateway does,
    then the rest, and notes for each alarm the time from its arrival to
    the end of the read that committed its event as warned, which is
    checked afterwards for every alarm.
    """
    from offsite.intake.models import RawRecord
    from offsite.supervision.models import Event

    factory, schedule = _alarm_schedule(options, "latency")
    background = len(schedule) - sum(f.kind == PROBE_ALARM for _, f in schedule)
    rss_before = _rss_mb()

    latencies: list[float] = []
    most_waiting = 0
    position = 0
    limit = options.batch * 10
    start = time.monotonic()
    while position < len(schedule):
        now = time.monotonic() - start
        end = position
        while end < len(schedule) and schedule[end][0] <= now:
            end += 1
        if end == position:
            time.sleep(max(0.0, schedule[position][0] - now))
            continue
        most_waiting = max(most_waiting, end - position)
        end = min(end, position + limit)
        arrived = [
            _Arrival(frame, start + offset) for offset, frame in schedule[position:end]
        ]
        _receipts, alarms_read, _done = _take(
            arrived, source=RawRecord.Source.GB26875_TCP, origin="bench latency"
        )
        latencies.extend(
            alarms_read - a.at for a in arrived if a.frame.kind == PROBE_ALARM
        )
        position = end
    elapsed = time.monotonic() - start

    subjects = [f"point:{f.point_code}" for _, f in schedule if f.kind == PROBE_ALARM]
    warned = Event.objects.filter(
        scenario__code="fire_alarm", subject__in=subjects, state="warned"
    ).count()
    return {
        "method": (
            "arrival on a clock to the end of the store-and-read batch that "
            "committed the alarm's event as warned"
        ),
        "background_rate": options.background_rate,
        "background_frames": background,
        "achieved_rate": round(len(schedule) / elapsed, 1),
        "seconds": round(elapsed, 3),
        "scheduled_seconds": options.latency_seconds,
        "alarms": len(latencies),
        "alarms_warned": warned,
        "p50_seconds": round(quantile(latencies, 0.50), 4),
        "p99_seconds": round(quantile(latencies, 0.99), 4),
        "max_seconds": round(max(latencies), 4),
        "most_frames_waiting": most_waiting,
        "stored": RawRecord.objects.filter(origin="bench latency").count(),
        "rss_before_mb": rss_before,
    }


def _alarm_schedule(
    options: BenchOptions, phase: str
) -> tuple[FrameFactory, list[tuple[float, SyntheticFrame]]]:
    """Return frames on a clock: background at its rate, alarms at theirs.

    The alarms come from one Haiwan device, each on a point never seen
    before, registered beforehand.
    """
    factory = _factory(options, phase)
    factory.probes = PROBES_BEFORE[phase]
    probe_device = next(
        i for i, d in enumerate(factory.devices) if d.vendor == "haiwan"
    )
    seconds = options.latency_seconds
    background = max(1, int(options.background_rate * seconds))
    probes = max(1, int(options.probe_rate * seconds))
    schedule: list[tuple[float, SyntheticFrame]] = [
        (i / options.background_rate, factory.next_frame()) for i in range(background)
    ]
    schedule += [
        ((j + 0.5) / options.probe_rate, factory.probe_alarm(probe_device))
        for j in range(probes)
    ]
    schedule.sort(key=lambda pair: pair[0])
    _register_probe_points(factory, probe_device, [f for _, f in schedule])
    return factory, schedule


def _tcp(options: BenchOptions) -> dict[str, Any]:
    """Send frames on a clock to a real `offsite gateway` process (bench_tcp)."""
    from offsite.bench.tcp import run_tcp

    factory, schedule = _alarm_schedule(options, "tcp")
    return run_tcp(
        background_rate=options.background_rate,
        scheduled_seconds=options.latency_seconds,
        factory=factory,
        schedule=schedule,
    )


def _register_probe_points(
    factory: FrameFactory, index: int, frames: Sequence[SyntheticFrame]
) -> None:
    """Register the alarms' points beforehand, as a commissioned device's are."""
    from offsite.registry.models import Device, Point

    device = Device.objects.get(source_address=factory.devices[index].source_hex)
    Point.objects.bulk_create(
        Point(
            device=device,
            code=frame.point_code,
            system_type=1,
            system_address=1,
            component_type=benchframes.COMPONENT_TYPE_SMOKE,
            component_address=int(frame.point_code.rsplit("-", 1)[1]),
        )
        for frame in frames
        if frame.kind == PROBE_ALARM
    )


def _burst(options: BenchOptions) -> dict[str, Any]:
    """Offer ten times the base rate for a while; memory must stay flat.

    A producer thread offers frames on a clock at 10 × `base_rate` into a
    queue holding at most `queue_frames`; when the queue is full it blocks,
    as a device does when the gateway stops reading its socket, and falls
    behind the offer. The loop stores and reads what is queued. At the end
    every frame that entered the queue must be a raw record.
    """
    from offsite.intake.models import RawRecord

    factory = _factory(options, "burst")
    rate = 10 * options.base_rate
    seconds = options.burst_seconds
    chunk = options.batch
    backlog: queue.Queue[list[SyntheticFrame] | None] = queue.Queue(
        maxsize=max(1, options.queue_frames // chunk)
    )
    sent = 0
    samples: list[dict[str, float]] = []
    start = time.monotonic()

    def produce() -> None:
        nonlocal sent
        stream = factory.stream()
        while True:
            now = time.monotonic() - start
            if now >= seconds:
                break
            due = int(rate * now)
            if sent >= due:
                time.sleep(min(0.01, (sent - due + chunk) / rate))
                continue
            frames = [next(stream) for _ in range(chunk)]
            backlog.put(frames)
            sent += len(frames)
        backlog.put(None)

    def sample(stop: threading.Event) -> None:
        every = max(1.0, seconds / 30)
        while not stop.wait(every):
            samples.append(
                {
                    "t": round(time.monotonic() - start, 1),
                    "rss_mb": _rss_mb(),
                    "queued": backlog.qsize() * chunk,
                    "sent": sent,
                }
            )

    producer = threading.Thread(target=produce, name="bench-producer")
    stop = threading.Event()
    sampler = threading.Thread(target=sample, args=(stop,), name="bench-sampler")
    rss_before = _rss_mb()
    producer.start()
    sampler.start()
    taken = 0
    while True:
        frames = backlog.get()
        if frames is None:
            break
        _take(
            [_Arrival(f, 0.0) for f in frames],
            source=RawRecord.Source.GB26875_TCP,
            origin="bench burst",
        )
        taken += len(frames)
    elapsed = time.monotonic() - start
    stop.set()
    producer.join()
    sampler.join()

    stored = RawRecord.objects.filter(origin="bench burst").count()
    rss = [s["rss_mb"] for s in samples] or [rss_before]
    return {
        "offered_rate": rate,
        "burst_seconds": seconds,
        "offered": int(rate * seconds),
        "sent": sent,
        "taken": taken,
        "stored": stored,
        "lost": sent - stored,
        "seconds": round(elapsed, 3),
        "frames_per_second": round(stored / elapsed, 1),
        "queue_limit_frames": backlog.maxsize * chunk,
        "rss_before_mb": rss_before,
        "rss_min_mb": min(rss),
        "rss_max_mb": max(rss),
        "memory_over_time": samples,
    }


def _rss_mb() -> float:
    """Return this process's resident memory now, in MiB (Linux /proc)."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
        return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)
    except OSError:
        return _peak_rss_mb()


def _peak_rss_mb() -> float:
    """Return the peak resident memory of this process, in MiB."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(kib / 1024, 1)


# The table -----------------------------------------------------------------


def table(report: dict[str, Any]) -> str:
    """Render the report as plain text tables."""
    lines = [
        f"offsite bench intake, {report['started_at']}, "
        f"{report['machine']['cpus']} CPUs, Python {report['machine']['python']}",
        f"N = {report['options']['frames']} frames, "
        f"{report['options']['devices']} devices, "
        f"gateway batch {report['options']['batch']}, "
        f"HTTP batch {report['options']['http_batch']}",
        "",
    ]
    header = (
        f"{'database':<14} {'path':<9} {'frames':>8} {'raw recs':>8} "
        f"{'seconds':>8} {'frames/s':>10} {'obs/s':>10} {'peak MiB':>9}"
    )
    rows = [header, "-" * len(header)]
    notes = []
    for entry in report["databases"]:
        name = entry["database"].split("/")[0].replace("postgresql ", "postgresql")
        name = "postgresql" if name.startswith("postgresql") else name
        if "skipped" in entry:
            notes.append(f"{entry['database']}: skipped, {entry['skipped']}")
            continue
        for phase in ("plain", "gateway", "service", "http"):
            figures = entry["phases"].get(phase)
            if not figures:
                continue
            rows.append(
                f"{name:<14} {phase:<9} {figures['frames']:>8} "
                f"{figures['stored']:>8} {figures['seconds']:>8.2f} "
                f"{figures['frames_per_second']:>10.1f} "
                f"{figures.get('observations_per_second', 0):>10.1f} "
                f"{figures['peak_rss_mb']:>9.1f}"
            )
        if "gateway_to_plain_ratio" in entry:
            notes.append(
                f"{name}: gateway / plain insert = "
                f"{entry['gateway_to_plain_ratio']:.4f} "
                f"(plain: {entry['phases']['plain']['method']})"
            )
        latency = entry["phases"].get("latency")
        if latency:
            notes.append(
                f"{name}: fire alarm arrival → warned, "
                f"{latency['alarms']} alarms ({latency['alarms_warned']} warned) "
                f"under {latency['background_rate']} frames/s offered "
                f"(achieved {latency['achieved_rate']}): "
                f"p50 {latency['p50_seconds']:.3f} s, "
                f"p99 {latency['p99_seconds']:.3f} s, "
                f"max {latency['max_seconds']:.3f} s"
            )
        tcp = entry["phases"].get("tcp")
        if tcp:
            notes.append(
                f"{name}: offsite gateway over {tcp['connections']} sockets, "
                f"{tcp['background_rate']} frames/s offered: "
                f"{tcp['confirmed']} of {tcp['sent']} confirmed, "
                f"{tcp['achieved_rate']} frames/s; confirm p50 "
                f"{tcp['confirm_p50_seconds']:.3f} s, p99 "
                f"{tcp['confirm_p99_seconds']:.3f} s; fire alarm sent → warned "
                f"({tcp['alarms_warned']} of {tcp['alarms']}) p50 "
                f"{tcp['alarm_p50_seconds']:.3f} s, p99 "
                f"{tcp['alarm_p99_seconds']:.3f} s; gateway peak "
                f"{tcp['gateway_peak_rss_mb']} MiB"
            )
        burst = entry["phases"].get("burst")
        if burst:
            notes.append(
                f"{name}: burst {burst['offered_rate']} frames/s offered for "
                f"{burst['burst_seconds']} s: sent {burst['sent']}, stored "
                f"{burst['stored']}, lost {burst['lost']}, "
                f"{burst['frames_per_second']} frames/s; RSS "
                f"{burst['rss_min_mb']}–{burst['rss_max_mb']} MiB "
                f"(queue ≤ {burst['queue_limit_frames']} frames)"
            )
            for s in burst["memory_over_time"]:
                notes.append(
                    f"    t={s['t']:>7.1f} s  rss={s['rss_mb']:>7.1f} MiB  "
                    f"queued={s['queued']:>6}  sent={s['sent']}"
                )
    return "\n".join(lines + rows + [""] + notes)
