"""A device's side of a gateway connection, and frames to send."""

from __future__ import annotations

import socket
import time
from datetime import datetime

from offsite.protocols import gb26875
from offsite.protocols.gb26875 import codes

# The Haiwan device of reference samples S2 and S8: source address 1.
HAIWAN = "000000000001"
# The Four-Faith parser card of reference sample S11.
FOUR_FAITH = "ff1280512507"


def clock_frame(serial: int, *, device: str = HAIWAN, minute: int = 0) -> bytes:
    """Build a type 28 upload (the device's clock, Haiwan's keep-alive)."""
    return gb26875.build(
        serial=serial,
        command=codes.COMMAND_SEND_DATA,
        source_address=int(device, 16),
        destination_address=1,
        sent_at=datetime(2026, 3, 2, 9, minute, 0),
        app_type=28,
        objects=(gb26875.DeviceClock(datetime(2026, 3, 2, 9, minute, 0)),),
        version_main=1,
        version_user=1,
    )


def duty_check_answer(serial: int, *, device: str = HAIWAN) -> bytes:
    """Build the duty officer's answer: type 24 with bit 5 (查岗应答) set."""
    return gb26875.build(
        serial=serial,
        command=codes.COMMAND_SEND_DATA,
        source_address=int(device, 16),
        destination_address=1,
        sent_at=datetime(2026, 3, 2, 9, 5, 0),
        app_type=24,
        objects=(gb26875.DeviceOperation(0x20, 1, datetime(2026, 3, 2, 9, 5, 0)),),
        version_main=1,
        version_user=1,
    )


class Device:
    """A raw TCP connection playing a transmission device."""

    def __init__(self, port: int) -> None:
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.splitter = gb26875.FrameSplitter()
        self.received: list[bytes] = []

    def send(self, data: bytes) -> None:
        self.socket.sendall(data)

    def send_bytewise(self, data: bytes) -> None:
        for index in range(len(data)):
            self.socket.sendall(data[index : index + 1])
            time.sleep(0.001)

    def receive(self, count: int, *, timeout_seconds: float = 10) -> list[bytes]:
        """Return the next `count` frames from the gateway."""
        deadline = time.monotonic() + timeout_seconds
        while len(self.received) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(
                    f"got {len(self.received)} of {count} frames from the gateway"
                )
            self.socket.settimeout(remaining)
            chunk = self.socket.recv(65536)
            if not chunk:
                raise ConnectionError("the gateway closed the connection")
            self.received.extend(self.splitter.feed(chunk))
        frames, self.received = self.received[:count], self.received[count:]
        return frames

    def closed_by_gateway(self, *, timeout_seconds: float = 10) -> bool:
        """Wait for the gateway to close the connection."""
        self.socket.settimeout(timeout_seconds)
        try:
            return self.socket.recv(65536) == b""
        except ConnectionResetError:
            return True

    def close(self) -> None:
        self.socket.close()


def serial_of(frame: bytes) -> int:
    return int.from_bytes(frame[2:4], "little")


def command_of(frame: bytes) -> int:
    return frame[26]
