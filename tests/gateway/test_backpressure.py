"""Back-pressure, not memory growth: a gateway that cannot store stops reading.

Each connection's queue is bounded; while it is full the connection's
reader waits and the socket is not read, so the device's data stays in the
operating system's TCP buffers and, once those are full, the device cannot
send more.
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from offsite.intake.gateway import DatabaseWorker

from .support import HAIWAN, Device, clock_frame, command_of

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

QUEUE_FRAMES = 4
FLOOD_SECONDS = 2
# Loopback TCP buffers on both sides plus the stream reader's own buffer hold
# a few megabytes at most; a gateway that kept reading would take hundreds.
BOUND_BYTES = 16 * 1024 * 1024


def hold_storage(gateway) -> threading.Event:
    """Keep the gateway's database thread busy until the event is set."""
    held, release = threading.Event(), threading.Event()
    gateway.thread.gateway.worker.submit(lambda: (held.set(), release.wait(60)))
    assert held.wait(5)
    return release


def flood(device: Device) -> int:
    """Send zero bytes for a while without blocking; return how many went."""
    device.socket.setblocking(False)
    block = bytes(65536)
    sent = 0
    deadline = time.monotonic() + FLOOD_SECONDS
    while time.monotonic() < deadline:
        try:
            sent += device.socket.send(block)
        except BlockingIOError:
            time.sleep(0.01)
    device.socket.setblocking(True)
    return sent


@pytest.fixture
def gateway(start_gateway, register_device):
    register_device(HAIWAN)
    return start_gateway(queue_frames=QUEUE_FRAMES)


def test_a_gateway_that_cannot_store_stops_reading_the_socket(gateway):
    release = hold_storage(gateway)
    device = Device(gateway.port)
    device.send(b"".join(clock_frame(serial) for serial in range(10)))

    sent = flood(device)
    release.set()

    assert sent < BOUND_BYTES


def test_frames_held_back_are_confirmed_once_storage_resumes(gateway):
    release = hold_storage(gateway)
    device = Device(gateway.port)
    device.send(b"".join(clock_frame(serial) for serial in range(10)))
    flood(device)

    release.set()
    replies = device.receive(10, timeout_seconds=30)

    assert [command_of(r) for r in replies] == [3] * 10


def test_storage_waits_while_the_unread_backlog_is_full():
    """What is stored but unread never passes the backlog limit (IM-7: bounded)."""

    async def scenario() -> list[bool]:
        worker = DatabaseWorker(process_backlog_frames=10)
        await worker.reserve(6)
        second = asyncio.ensure_future(worker.reserve(6))
        await asyncio.sleep(0.01)
        waited = not second.done()
        worker.release(6)  # the first six were read
        await asyncio.sleep(0.01)
        return [waited, second.done()]

    assert asyncio.run(scenario()) == [True, True]


def test_an_empty_backlog_takes_a_batch_larger_than_the_limit():
    async def scenario() -> int:
        worker = DatabaseWorker(process_backlog_frames=10)
        return await asyncio.wait_for(worker.reserve(25), timeout=1)

    assert asyncio.run(scenario()) == 25
