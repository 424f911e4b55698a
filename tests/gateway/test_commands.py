"""Roll-calls (type 91, 查岗) and clock syncs (type 90) sent to connected devices.

GB/T 26875.3 table 3 and fig. 46: the roll-call carries the answer time in
minutes; the device answers with a type 24 upload whose bit 5 (查岗应答)
is set. A clock sync is confirmed with command 3 echoing its serial.
"""

from __future__ import annotations

import contextlib
import time

import pytest
from django.db import connection

from offsite.intake import gateway_services
from offsite.intake.models import GatewayCommand, Observation
from offsite.protocols import gb26875
from tests.protocols.samples import S2_DEVICE_CLOCK

from .support import HAIWAN, Device, command_of, duty_check_answer, serial_of

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

POLL_SECONDS = 0.1


@pytest.fixture
def haiwan(register_device):
    return register_device(HAIWAN)


def connected(gateway) -> Device:
    """Connect the Haiwan device and send S2, so the gateway knows who it is."""
    device = Device(gateway.port)
    device.send(S2_DEVICE_CLOCK)
    device.receive(1)
    return device


def test_a_roll_call_reaches_the_connected_device_as_type_91(start_gateway, haiwan):
    gateway = start_gateway(poll_seconds=POLL_SECONDS)
    device = connected(gateway)

    gateway.database(
        gateway_services.request_command,
        device=haiwan,
        kind="roll_call",
        timeout_minutes=3,
    )
    frame = gb26875.decode(device.receive(1)[0])

    assert (frame.header.command, frame.app_type) == (4, 91)
    assert frame.objects == (gb26875.DutyCheck(3),)
    # The centre's first frame on a connection has serial 0 (table 1), and
    # goes from the address the device sends to, to the device.
    assert frame.header.serial == 0
    assert (frame.header.source_hex, frame.header.destination_hex) == (
        "000000000001",
        HAIWAN,
    )


def test_a_roll_call_answered_with_type_24_bit_5_is_marked_answered(
    start_gateway, haiwan
):
    gateway = start_gateway(poll_seconds=POLL_SECONDS)
    device = connected(gateway)
    gateway.database(gateway_services.request_command, device=haiwan, kind="roll_call")
    device.receive(1)

    answer = duty_check_answer(5)
    device.send(answer)
    [reply] = device.receive(1)
    gateway.stop()

    assert (command_of(reply), serial_of(reply)) == (3, 5)
    command = GatewayCommand.objects.get()
    assert command.answer == "duty_check_answer"
    assert bytes(command.answer_record.payload) == answer


def test_sending_a_roll_call_starts_the_duty_check_clock(start_gateway, haiwan):
    # Catalog version 1: duty_check_unanswered counts from duty_check_sent.
    gateway = start_gateway(poll_seconds=POLL_SECONDS)
    device = connected(gateway)
    gateway.database(gateway_services.request_command, device=haiwan, kind="roll_call")
    device.receive(1)
    gateway.stop()

    sent = Observation.objects.get(name="duty_check_sent")
    assert sent.device == haiwan
    assert sent.received_at == GatewayCommand.objects.get().sent_at


def test_the_duty_officer_answer_is_an_observation(start_gateway, haiwan):
    gateway = start_gateway(poll_seconds=POLL_SECONDS)
    device = connected(gateway)
    gateway.database(gateway_services.request_command, device=haiwan, kind="roll_call")
    device.receive(1)
    device.send(duty_check_answer(5))
    device.receive(1)
    gateway.stop()

    assert Observation.objects.get(name="duty_check_answer").value_bool is True


def test_a_clock_sync_confirmed_by_the_device_is_marked_answered(start_gateway, haiwan):
    gateway = start_gateway(poll_seconds=POLL_SECONDS)
    device = connected(gateway)
    gateway.database(gateway_services.request_command, device=haiwan, kind="clock_sync")
    frame = gb26875.decode(device.receive(1)[0])
    device.send(gb26875.acknowledge(frame, sent_at=frame.header.sent_at))
    time.sleep(0.2)
    gateway.stop()

    assert (frame.header.command, frame.app_type) == (1, 90)
    command = GatewayCommand.objects.get()
    assert (command.serial, command.answer) == (0, "confirmed")


def test_a_command_for_a_device_not_connected_stays_requested(start_gateway, haiwan):
    gateway = start_gateway(poll_seconds=POLL_SECONDS)
    gateway.database(gateway_services.request_command, device=haiwan, kind="roll_call")
    time.sleep(5 * POLL_SECONDS)
    gateway.stop()

    assert GatewayCommand.objects.get().sent_at is None


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two gateways need two database sessions; the in-memory SQLite has one",
)
def test_of_two_gateways_with_the_device_connected_only_one_sends(
    start_gateway, haiwan
):
    first = start_gateway(poll_seconds=POLL_SECONDS)
    second = start_gateway(poll_seconds=POLL_SECONDS)
    devices = [connected(first), connected(second)]

    gateway_services.request_command(device=haiwan, kind="roll_call")
    time.sleep(10 * POLL_SECONDS)
    received = []
    for device in devices:
        with contextlib.suppress(TimeoutError):
            received.extend(device.receive(1, timeout_seconds=0.5))
    first.stop()
    second.stop()

    assert [gb26875.decode(f).app_type for f in received] == [91]
    assert Observation.objects.filter(name="duty_check_sent").count() == 1
