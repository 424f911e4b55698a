"""The `tcp` bench phase: the real `offsite gateway` over real sockets.

The other phases call intake's functions the way the gateway does; this one
starts `offsite gateway` as a process of its own on the bench database,
connects one socket per bench device, and sends the frames on a clock at
`--background-rate`, with fire alarms on new points at `--probe-rate` from
one device. It measures what a device and a dispatcher would see:

- how many frames per second were confirmed (command 3), and the time from
  sending a frame to reading its confirmation (p50, p99);
- for each fire alarm, the time from sending it to its event being
  committed as warned, found by polling the events table every
  `POLL_SECONDS` (so each figure may be late by up to that much);
- the gateway process's peak memory (VmHWM).

A sender that finds a socket's buffer full waits for it to drain, as a
device must when the gateway stops reading; the offered rate then falls
behind the clock, and the achieved rate says so.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from offsite.bench import frames as benchframes
from offsite.bench.figures import quantile
from offsite.bench.frames import PROBE_ALARM, SyntheticFrame
from offsite.protocols import gb26875

POLL_SECONDS = 0.02
START_SECONDS = 60.0  # for the gateway to migrate nothing and listen
SETTLE_SECONDS = 120.0  # for the last confirmations and events after the clock
WRITE_BUFFER_BYTES = 64 * 1024  # a device's send buffer before it waits
WARM_UP_QUIET_SECONDS = 3.0
MEMORY_SAMPLE_SECONDS = 10.0  # after every device's first frame is confirmed


def run_tcp(
    *,
    background_rate: int,
    scheduled_seconds: float,
    factory: Any,
    schedule: list[tuple[float, SyntheticFrame]],
) -> dict[str, Any]:
    """Serve the schedule to a real gateway process and report what it did."""
    from offsite.intake.models import RawRecord

    probes = {
        frame.point_code: offset
        for offset, frame in schedule
        if frame.kind == PROBE_ALARM
    }
    port = _free_port()
    with tempfile.TemporaryFile() as log:
        gateway = subprocess.Popen(
            [sys.executable, "-m", "offsite.cli", "gateway", "--port", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_listening(port, gateway)
            watcher = _EventWatcher([f"point:{code}" for code in probes])
            memory = _MemorySampler(gateway.pid)
            watcher.start()
            memory.start()
            try:
                sent = asyncio.run(_drive(port, factory, schedule))
                settle = time.monotonic() + SETTLE_SECONDS
                while time.monotonic() < settle and len(watcher.seen) < len(probes):
                    time.sleep(0.1)
            finally:
                watcher.stop()
                memory.stop()
            peak_mb = _status_mb(gateway.pid, "VmHWM:")
        finally:
            gateway.send_signal(signal.SIGTERM)
            try:
                gateway.wait(timeout=60)
            except subprocess.TimeoutExpired:
                gateway.kill()
                gateway.wait()
        log.seek(0)
        errors = [
            line.decode(errors="replace").rstrip()
            for line in log
            if b"ERROR" in line or b"Traceback" in line
        ]

    alarm_latencies = [
        watcher.seen[f"point:{code}"] - sent.sent_at[code]
        for code in probes
        if f"point:{code}" in watcher.seen and code in sent.sent_at
    ]
    # What the devices sent, by their peer address: not the gateway's own notes.
    stored = RawRecord.objects.filter(
        source=RawRecord.Source.GB26875_TCP, origin__startswith="127.0.0.1:"
    )
    return {
        "method": (
            "offsite gateway in its own process; one socket per device; alarm "
            f"latency from send to its event committed as warned (polled every "
            f"{POLL_SECONDS} s)"
        ),
        "connections": sent.connections,
        "background_rate": background_rate,
        "scheduled_seconds": scheduled_seconds,
        "frames": len(schedule),
        "sent": sent.count,
        "confirmed": len(sent.confirm_latencies),
        "denied": sent.denied,
        "seconds": round(sent.seconds, 3),
        "achieved_rate": round(len(sent.confirm_latencies) / sent.seconds, 1),
        "confirm_p50_seconds": round(quantile(sent.confirm_latencies, 0.50), 4),
        "confirm_p99_seconds": round(quantile(sent.confirm_latencies, 0.99), 4),
        "alarms": len(probes),
        "alarms_warned": len(alarm_latencies),
        "alarm_p50_seconds": round(quantile(alarm_latencies, 0.50), 4),
        "alarm_p99_seconds": round(quantile(alarm_latencies, 0.99), 4),
        "alarm_max_seconds": round(max(alarm_latencies, default=float("nan")), 4),
        "alarm_seconds": [round(x, 3) for x in alarm_latencies],
        "stored": stored.count(),
        "gateway_peak_rss_mb": peak_mb,
        "gateway_rss_over_time": memory.samples,
        "gateway_errors": errors[-20:],
    }


class _Sent:
    """What the devices sent and what came back."""

    def __init__(self) -> None:
        self.count = 0
        self.denied = 0
        self.connections = 0
        self.seconds = 0.0
        self.confirm_latencies: list[float] = []
        self.sent_at: dict[str, float] = {}


async def _drive(
    port: int, factory: Any, schedule: Sequence[tuple[float, SyntheticFrame]]
) -> _Sent:
    sent = _Sent()
    addresses = [device.source_hex for device in factory.devices]
    links = [await _Link.open(port, sent) for _ in addresses]
    sent.connections = len(links)
    await _warm_up(links, factory)
    sent.confirm_latencies.clear()
    start = time.monotonic()
    for offset, frame in schedule:
        wait = start + offset - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        link = links[frame.device_index]
        await link.send(frame.data)
        sent.count += 1
        if frame.kind == PROBE_ALARM:
            sent.sent_at[frame.point_code] = time.monotonic()
    settle = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < settle and any(link.waiting for link in links):
        await asyncio.sleep(0.05)
    sent.seconds = time.monotonic() - start
    for link in links:
        link.close()
    return sent


async def _warm_up(links: list[_Link], factory: Any) -> None:
    """Have every device say hello first, as devices do when a gateway starts.

    The gateway notes each new device (a raw record, an `offline` false)
    as it meets it; the clock starts once those notes are written, so the
    figures are of a gateway in its steady state.
    """
    before = factory.start - timedelta(minutes=1)
    for link, device in zip(links, factory.devices, strict=True):
        await link.send(
            benchframes.keep_alive(serial=0, source=device.address, at=before)
        )
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline and any(link.waiting for link in links):
        await asyncio.sleep(0.05)
    await asyncio.sleep(WARM_UP_QUIET_SECONDS)


class _Link:
    """One device's socket: frames out, confirmations back, in order."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, sent: _Sent
    ) -> None:
        self.writer = writer
        self.waiting: deque[float] = deque()
        self._sent = sent
        self._splitter = gb26875.FrameSplitter()
        self._task = asyncio.ensure_future(self._read(reader))

    @classmethod
    async def open(cls, port: int, sent: _Sent) -> _Link:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer, sent)

    async def send(self, data: bytes) -> None:
        self.waiting.append(time.monotonic())
        self.writer.write(data)
        if self.writer.transport.get_write_buffer_size() > WRITE_BUFFER_BYTES:
            await self.writer.drain()

    async def _read(self, reader: asyncio.StreamReader) -> None:
        while chunk := await reader.read(65536):
            now = time.monotonic()
            for reply in self._splitter.feed(chunk):
                command = reply[26] if len(reply) > 26 else None
                if self.waiting:
                    sent_at = self.waiting.popleft()
                    if command == 3:
                        self._sent.confirm_latencies.append(now - sent_at)
                    else:
                        self._sent.denied += 1

    def close(self) -> None:
        self._task.cancel()
        self.writer.close()


class _EventWatcher(threading.Thread):
    """Note when each alarm's event is first seen committed as warned."""

    def __init__(self, subjects: list[str]) -> None:
        super().__init__(name="bench-event-watcher", daemon=True)
        self.subjects = set(subjects)
        self.seen: dict[str, float] = {}
        self._done = threading.Event()

    def run(self) -> None:
        from django.db import connection

        from offsite.supervision.models import Event

        try:
            while not self._done.is_set():
                waiting = list(self.subjects - self.seen.keys())
                if waiting:
                    found = Event.objects.filter(
                        scenario__code="fire_alarm",
                        subject__in=waiting,
                        state="warned",
                    ).values_list("subject", flat=True)
                    now = time.monotonic()
                    for subject in found:
                        self.seen.setdefault(subject, now)
                self._done.wait(POLL_SECONDS)
        finally:
            connection.close()

    def stop(self) -> None:
        self._done.set()
        self.join(10)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_listening(port: int, gateway: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if gateway.poll() is not None:
            raise RuntimeError(f"offsite gateway exited with {gateway.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"offsite gateway did not listen on {port} in {START_SECONDS} s")


def _status_mb(pid: int, field: str) -> float | None:
    """Return a memory figure of a process in MiB, from /proc (Linux)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


class _MemorySampler(threading.Thread):
    """Note the gateway's resident memory every `MEMORY_SAMPLE_SECONDS`."""

    def __init__(self, pid: int) -> None:
        super().__init__(name="bench-memory-sampler", daemon=True)
        self.pid = pid
        self.samples: list[dict[str, float | None]] = []
        self._done = threading.Event()

    def run(self) -> None:
        start = time.monotonic()
        while not self._done.wait(MEMORY_SAMPLE_SECONDS):
            self.samples.append(
                {
                    "t": round(time.monotonic() - start, 1),
                    "rss_mb": _status_mb(self.pid, "VmRSS:"),
                }
            )

    def stop(self) -> None:
        self._done.set()
        self.join(10)
