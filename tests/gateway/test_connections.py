"""Many devices at once: every upload of every connection is confirmed (IM-6)."""

from __future__ import annotations

import asyncio

import pytest

from offsite.intake.models import RawRecord
from offsite.protocols import gb26875
from offsite.registry.models import Device

from .support import Device as TcpDevice
from .support import clock_frame, command_of, serial_of

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DEVICES = 300
FRAMES_EACH = 2


def addresses() -> list[str]:
    return [f"{0x500000 + n:012x}" for n in range(DEVICES)]


async def upload(port: int, address: str) -> list[tuple[int, int]]:
    """Send a device's frames in one write; return (command, serial) replies."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    frames = [
        clock_frame(serial, device=address, minute=serial)
        for serial in range(1, FRAMES_EACH + 1)
    ]
    writer.write(b"".join(frames))
    await writer.drain()
    splitter = gb26875.FrameSplitter()
    replies: list[bytes] = []
    while len(replies) < FRAMES_EACH:
        chunk = await asyncio.wait_for(reader.read(4096), timeout=60)
        if not chunk:
            break
        replies.extend(splitter.feed(chunk))
    writer.close()
    return [(command_of(r), serial_of(r)) for r in replies]


async def upload_all(port: int) -> list[list[tuple[int, int]]]:
    return await asyncio.gather(*(upload(port, a) for a in addresses()))


@pytest.fixture
def many_devices(unit):
    # Inserted in one statement: registering 300 devices one by one through
    # the registry would dominate the test's time.
    Device.objects.bulk_create(
        Device(unit=unit, source_address=a, name=f"UITD {a}") for a in addresses()
    )


def test_three_hundred_concurrent_connections_are_each_confirmed(
    start_gateway, many_devices
):
    gateway = start_gateway()

    replies = asyncio.run(upload_all(gateway.port))

    assert replies == [[(3, 1), (3, 2)]] * DEVICES


def test_three_hundred_concurrent_connections_are_each_stored(
    start_gateway, many_devices
):
    gateway = start_gateway()

    asyncio.run(upload_all(gateway.port))
    # Stopped without waiting for the frames to be read: storing is the point.
    gateway.thread.stop()

    assert RawRecord.objects.filter(status="accepted").count() == 600
    assert RawRecord.objects.values("device").distinct().count() == 300


def test_idle_sockets_beyond_the_cap_are_closed_and_devices_still_served(
    start_gateway, register_device, monkeypatch
):
    """The cap sits below the open-file limit: idle sockets cannot starve it."""
    from offsite.intake import gateway as gateway_module

    monkeypatch.setattr(
        gateway_module,
        "_raise_open_files_limit",
        lambda: gateway_module.RESERVED_DESCRIPTORS + 5,
    )
    running = start_gateway()
    register_device("000000000001")
    idle = [TcpDevice(running.port) for _ in range(4)]
    device = TcpDevice(running.port)
    beyond = TcpDevice(running.port)

    assert running.thread.gateway.max_connections == 5
    assert beyond.closed_by_gateway()
    device.send(clock_frame(1, device="000000000001"))
    assert [command_of(r) for r in device.receive(1)] == [3]
    for connection in (*idle, device, beyond):
        connection.close()
