"""`offsite gateway roll-call|clock-sync|simulate` and `offsite intake stats`."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from offsite.intake import services
from offsite.intake.gateway_simulator import capture_frames, restamp
from offsite.intake.models import GatewayCommand, RawRecord
from offsite.intake.services import IncomingFrame
from offsite.protocols import gb26875
from offsite.web.demo import CAPTURES
from tests.protocols.samples import S2_DEVICE_CLOCK

from .support import HAIWAN

S2_BAD_CHECKSUM = S2_DEVICE_CLOCK[:-3] + b"\x00" + S2_DEVICE_CLOCK[-2:]


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_roll_call_records_a_request_for_the_device(register_device):
    register_device(HAIWAN)

    state = json.loads(run("gateway", "roll-call", "--device", HAIWAN))

    assert (state["kind"], state["device"], state["state"]) == (
        "roll_call",
        HAIWAN,
        "requested",
    )
    assert state["timeout_minutes"] == 10
    assert GatewayCommand.objects.get().sent_at is None


@pytest.mark.django_db
def test_waiting_for_a_device_no_gateway_has_says_so(register_device):
    register_device(HAIWAN)
    out, err = StringIO(), StringIO()

    call_command(
        "gateway", "roll-call", "--device", HAIWAN, "--wait-seconds", "0.3",
        stdout=out, stderr=err,
    )  # fmt: skip

    assert json.loads(out.getvalue())["state"] == "requested"
    assert err.getvalue().startswith(
        f"not sent yet: no gateway has device {HAIWAN} connected; it is sent if "
        "the device connects within 10 minutes of the request"
    )


@pytest.mark.django_db
def test_clock_sync_records_a_request_for_the_device(register_device):
    register_device(HAIWAN)

    state = json.loads(run("gateway", "clock-sync", "--device", HAIWAN.upper()))

    assert (state["kind"], state["timeout_minutes"]) == ("clock_sync", None)


@pytest.mark.django_db
def test_a_roll_call_for_an_unregistered_address_is_refused():
    with pytest.raises(CommandError) as error:
        run("gateway", "roll-call", "--device", "ffffffffffff")

    assert str(error.value) == (
        "--device: no device is registered with address ffffffffffff"
    )


@pytest.mark.django_db
def test_a_roll_call_timeout_must_fit_one_byte_of_minutes(register_device):
    register_device(HAIWAN)

    with pytest.raises(CommandError) as error:
        run("gateway", "roll-call", "--device", HAIWAN, "--timeout-minutes", "0")

    assert str(error.value) == (
        "--timeout-minutes: 0 is outside 1..255 (one byte of minutes, "
        "GB/T 26875.3 fig. 46)"
    )


@pytest.mark.django_db
def test_intake_stats_counts_accepted_rejected_and_duplicate_frames(
    register_device,
):
    register_device(HAIWAN)
    frames = [S2_DEVICE_CLOCK, S2_DEVICE_CLOCK, S2_BAD_CHECKSUM]
    services.store_frames(
        [
            IncomingFrame(data=f, origin="test", received_at=timezone.now())
            for f in frames
        ],
        source="gb26875_tcp",
    )

    counts = json.loads(run("intake", "stats", "--json"))

    assert {k: counts[k] for k in ("accepted", "rejected", "duplicates", "total")} == {
        "accepted": 1,
        "rejected": 1,
        "duplicates": 1,
        "total": 3,
    }
    assert counts["by_source"]["gb26875_tcp"] == {
        "accepted": 1,
        "rejected": 1,
        "duplicates": 1,
        "total": 3,
    }
    assert counts["by_source"]["replay"] == {
        "accepted": 0,
        "rejected": 0,
        "duplicates": 0,
        "total": 0,
    }


@pytest.mark.django_db
def test_duplicates_of_one_day_are_added_up():
    services.count_duplicates(source="http", count=2)
    services.count_duplicates(source="http", count=3)

    counts = json.loads(run("intake", "stats", "--json"))

    assert counts["by_source"]["http"]["duplicates"] == 5


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simulate_prints_each_frame_and_the_gateway_reply(
    start_gateway, register_device, tmp_path
):
    register_device(HAIWAN)
    gateway = start_gateway()
    capture = tmp_path / "device.hex"
    capture.write_text(
        f"# two frames\n{S2_DEVICE_CLOCK.hex()}\n{S2_BAD_CHECKSUM.hex()}\n"
    )

    lines = run(
        "gateway", "simulate", "--port", str(gateway.port), "--capture", str(capture)
    ).splitlines()

    assert lines[0] == (
        "device.hex:2  send data (2) serial 0 type 28  ->  confirm (3) serial 0"
    )
    assert lines[1].startswith("device.hex:3  unreadable (checksum: ")
    assert lines[1].endswith("->  deny (6) serial 0")
    assert json.loads(lines[2]) == {
        "sent": 2,
        "confirmed": 1,
        "denied": 1,
        "heartbeat_replies": 0,
        "unanswered": 0,
        "commands_received": 0,
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simulate_now_sends_a_capture_again_as_new_data(
    start_gateway, register_device, tmp_path
):
    """Without --now a second run is all retransmissions; with it, new data."""
    register_device(HAIWAN)
    gateway = start_gateway()
    capture = tmp_path / "device.hex"
    capture.write_text(f"{S2_DEVICE_CLOCK.hex()}\n")
    send = ("gateway", "simulate", "--port", str(gateway.port), "--capture")

    run(*send, str(capture))
    run(*send, str(capture))
    gateway.wait_idle()
    again = gateway.database(RawRecord.objects.count)
    run(*send, str(capture), "--now")
    gateway.wait_idle()
    latest = gateway.database(lambda: bytes(RawRecord.objects.latest("pk").payload))

    assert again == 1
    assert gateway.database(RawRecord.objects.count) == 2
    assert latest[2:4] != S2_DEVICE_CLOCK[2:4]  # a new serial


def test_restamp_gives_every_captured_frame_the_new_serial_and_time():
    now = datetime(2026, 12, 4, 10, 30, 0)
    for path in sorted(CAPTURES.glob("*.hex")):
        for number, data in capture_frames(path):
            fresh = restamp(data, serial=4242, now=now)
            try:
                frame = gb26875.decode(fresh)
            except gb26875.FrameError:
                assert fresh == data, f"{path.name}:{number}"
                continue
            if not isinstance(frame, gb26875.Frame):
                continue
            assert (frame.header.serial, frame.header.sent_at) == (4242, now)
            for item in frame.objects:
                for field in dataclasses.fields(item):
                    value = getattr(item, field.name)
                    assert not isinstance(value, datetime) or value == now
