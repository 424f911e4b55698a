"""`offsite gateway`: the GB/T 26875.3 TCP gateway, its commands and a simulator.

- `offsite gateway [--host H] [--port N] [--keepalive-seconds S]` serves.
- `offsite gateway roll-call --device ADDRESS [--timeout-minutes N]` and
  `offsite gateway clock-sync --device ADDRESS` ask whichever gateway the
  device is connected to to send a type 91 or type 90 frame.
- `offsite gateway simulate --capture FILE` plays a device.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from offsite.intake import gateway, gateway_queries, gateway_services
from offsite.intake.models import GatewayCommand
from offsite.registry import queries as registry_queries


def _default_port() -> int:
    value = os.environ.get("GATEWAY_PORT", "")
    if not value:
        return gateway.DEFAULT_PORT
    try:
        return int(value)
    except ValueError:
        raise CommandError(f"GATEWAY_PORT: {value!r} is not a port number") from None


class Command(BaseCommand):
    help = (
        "Serve GB/T 26875.3 devices over TCP: acknowledge every stored upload "
        "(command 3), deny bad frames (command 6), answer Four-Faith "
        "heartbeats, record devices offline after their keep-alive limit. "
        "Subcommands send a roll-call or clock sync to a connected device, or "
        "simulate a device from a capture file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument(
            "--port",
            type=int,
            default=None,
            help=f"TCP port (default $GATEWAY_PORT or {gateway.DEFAULT_PORT}; "
            "0 picks a free one)",
        )
        parser.add_argument(
            "--keepalive-seconds",
            type=float,
            default=gateway.DEFAULT_KEEPALIVE_SECONDS,
            help="close a connection silent this long and record its device "
            f"offline (default {gateway.DEFAULT_KEEPALIVE_SECONDS}: 5 min, "
            "GB/T 26875.3 reference §8 suggested default)",
        )
        actions = parser.add_subparsers(dest="action")
        called = getattr(parser, "called_from_command_line", None)

        roll_call = actions.add_parser(
            "roll-call",
            help="send a duty roll-call (查岗, type 91) to a connected device",
            called_from_command_line=called,
        )
        roll_call.add_argument("--device", required=True, help="source address")
        roll_call.add_argument(
            "--timeout-minutes",
            type=int,
            default=gateway_services.ROLL_CALL_TIMEOUT_MINUTES,
            help="minutes the duty officer has to answer (1..255, default "
            f"{gateway_services.ROLL_CALL_TIMEOUT_MINUTES})",
        )
        roll_call.add_argument(
            "--wait-seconds",
            type=float,
            default=0,
            help="wait this long for the command to be sent and answered",
        )

        clock = actions.add_parser(
            "clock-sync",
            help="send a clock sync (type 90) to a connected device",
            called_from_command_line=called,
        )
        clock.add_argument("--device", required=True, help="source address")
        clock.add_argument(
            "--wait-seconds",
            type=float,
            default=0,
            help="wait this long for the command to be sent and confirmed",
        )

        simulate = actions.add_parser(
            "simulate",
            help="play a device: send a capture file's frames, print each reply",
            called_from_command_line=called,
        )
        simulate.add_argument("--host", default="127.0.0.1", help="gateway address")
        simulate.add_argument(
            "--port",
            type=int,
            default=None,
            help=f"gateway port (default $GATEWAY_PORT or {gateway.DEFAULT_PORT})",
        )
        simulate.add_argument(
            "--capture", required=True, type=Path, help="hex capture file"
        )
        simulate.add_argument(
            "--reply-seconds",
            type=float,
            default=2.0,
            help="how long to wait for each reply",
        )
        simulate.add_argument(
            "--linger-seconds",
            type=float,
            default=0.0,
            help="stay connected this long afterwards, answering roll-calls",
        )
        simulate.add_argument(
            "--now",
            action="store_true",
            help="send each frame with a new serial and the current time, as new "
            "data (else a frame the platform holds is a retransmission)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options.get("action")
        if action == "roll-call":
            self._request(options, GatewayCommand.Kind.ROLL_CALL)
        elif action == "clock-sync":
            self._request(options, GatewayCommand.Kind.CLOCK_SYNC)
        elif action == "simulate":
            self._simulate(options)
        else:
            self._serve(options)

    def _serve(self, options: dict[str, Any]) -> None:
        port = options["port"] if options["port"] is not None else _default_port()
        if not 0 <= port <= 65535:
            raise CommandError(f"--port: {port} is outside 0..65535")
        if options["keepalive_seconds"] <= 0:
            raise CommandError(
                f"--keepalive-seconds: {options['keepalive_seconds']} is not > 0"
            )
        server = gateway.Gateway(
            host=options["host"],
            port=port,
            keepalive_seconds=options["keepalive_seconds"],
        )
        asyncio.run(self._run(server))

    async def _run(self, server: gateway.Gateway) -> None:
        try:
            port = await server.start()
        except OSError as error:
            raise CommandError(f"--port: cannot listen: {error}") from None
        self.stdout.write(
            f"GB/T 26875.3 gateway listening on {server.host}:{port} "
            f"(keep-alive {server.keepalive_seconds:g} s)"
        )
        self.stdout.flush()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(number, stop.set)
        await stop.wait()
        await server.stop()
        self.stdout.write("gateway stopped")

    def _request(self, options: dict[str, Any], kind: str) -> None:
        address = options["device"]
        device = registry_queries.device_by_source_address(address)
        if device is None:
            raise CommandError(
                f"--device: no device is registered with address {address}"
            )
        try:
            command = gateway_services.request_command(
                device=device,
                kind=kind,
                timeout_minutes=options.get("timeout_minutes"),
            )
        except ValidationError as error:
            raise CommandError(
                "; ".join(
                    f"--{name.replace('_', '-')}: {' '.join(messages)}"
                    for name, messages in error.message_dict.items()
                )
            ) from None

        deadline = time.monotonic() + options["wait_seconds"]
        while time.monotonic() < deadline:
            command.refresh_from_db()
            if command.answered_at is not None:
                break
            time.sleep(0.2)
        command.refresh_from_db()
        state = gateway_queries.command_state(command)
        self.stdout.write(json.dumps(state, ensure_ascii=False))
        if state["state"] == "requested" and options["wait_seconds"] > 0:
            self.stderr.write(
                f"not sent yet: no gateway has device {state['device']} connected; "
                "it is sent if the device connects within "
                f"{gateway_services.COMMAND_VALID_MINUTES} minutes of the request"
            )

    def _simulate(self, options: dict[str, Any]) -> None:
        from offsite.intake.gateway_simulator import GatewayUnreachableError, simulate

        capture: Path = options["capture"]
        if not capture.is_file():
            raise CommandError(f"--capture: file not found: {capture}")
        port = options["port"] if options["port"] is not None else _default_port()
        try:
            summary = simulate(
                host=options["host"],
                port=port,
                capture=capture,
                reply_seconds=options["reply_seconds"],
                linger_seconds=options["linger_seconds"],
                as_now=options["now"],
                write=self.stdout.write,
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        except GatewayUnreachableError as error:
            raise CommandError(f"--host/--port: {error}") from None
        self.stdout.write(json.dumps(summary.as_dict()))
