"""`offsite bench intake`: measure the intake path on fresh databases."""

from __future__ import annotations

import argparse
import json
from dataclasses import fields
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from offsite.bench import intake as bench


class Command(BaseCommand):
    help = (
        "Benchmark intake. `bench intake` pushes N synthetic GB/T 26875.3 frames "
        "shaped like the captures through the gateway path (store_frames, then "
        "process_receipts), the batch service and the HTTP API, on SQLite and "
        "PostgreSQL, each in a fresh database it creates and drops; it prints "
        "frames per second, the rate of a plain bulk insert of the same raw "
        "rows, fire-alarm latency under background load and peak memory. "
        "`--burst` offers ten times the base rate instead and checks that "
        "memory stays bounded and nothing is lost."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        intake = actions.add_parser(
            "intake",
            help="benchmark the intake path",
            called_from_command_line=getattr(parser, "called_from_command_line", None),
        )
        defaults = bench.BenchOptions()
        intake.add_argument(
            "--frames",
            type=_positive,
            default=defaults.frames,
            help=f"frames per path (default {defaults.frames})",
        )
        intake.add_argument(
            "--devices",
            type=_positive,
            default=defaults.devices,
            help=f"devices sending them (default {defaults.devices})",
        )
        intake.add_argument(
            "--units",
            type=_positive,
            default=defaults.units,
            help=f"demo units the devices belong to (default {defaults.units})",
        )
        intake.add_argument(
            "--database-url",
            action="append",
            dest="databases",
            default=[],
            metavar="URL",
            help=(
                "a database to bench on, repeatable: 'sqlite' (a temporary file) "
                "or postgres://user@host:port/name, a database the bench "
                "creates and drops (default: sqlite and "
                f"{bench.DEFAULT_POSTGRES})"
            ),
        )
        intake.add_argument(
            "--batch",
            type=_positive,
            default=defaults.batch,
            help=f"frames per gateway batch (default {defaults.batch})",
        )
        intake.add_argument(
            "--workers",
            type=_positive,
            default=defaults.workers,
            help=(
                "gateway processes taking the frames at once, each for its "
                f"share of the devices (default {defaults.workers})"
            ),
        )
        intake.add_argument(
            "--read-batch",
            type=_positive,
            default=None,
            help=(
                "frames per process_receipts call within a gateway batch "
                "(default: the whole batch)"
            ),
        )
        intake.add_argument(
            "--http-batch",
            type=_positive,
            default=defaults.http_batch,
            help=f"observations per HTTP batch (default {defaults.http_batch})",
        )
        intake.add_argument(
            "--background-rate",
            type=_positive,
            default=defaults.background_rate,
            help=(
                "frames per second offered while fire-alarm latency is "
                f"measured (default {defaults.background_rate})"
            ),
        )
        intake.add_argument(
            "--latency-seconds",
            type=_positive_float,
            default=defaults.latency_seconds,
            help=f"how long latency is measured (default {defaults.latency_seconds})",
        )
        intake.add_argument(
            "--probe-rate",
            type=_positive_float,
            default=defaults.probe_rate,
            help=(
                "fire alarms on new points per second while latency is measured "
                f"(default {defaults.probe_rate})"
            ),
        )
        intake.add_argument(
            "--phases",
            default=",".join(defaults.phases),
            help=(
                "comma-separated phases to run among "
                f"{', '.join(bench.PHASES)} (default all)"
            ),
        )
        intake.add_argument(
            "--burst",
            action="store_true",
            help="run the burst instead: 10 × --base-rate for --burst-seconds",
        )
        intake.add_argument(
            "--base-rate",
            type=_positive,
            default=defaults.base_rate,
            help=f"frames per second the burst is ten times (default "
            f"{defaults.base_rate})",
        )
        intake.add_argument(
            "--burst-seconds",
            type=_positive_float,
            default=defaults.burst_seconds,
            help=f"how long the burst lasts (default {defaults.burst_seconds:.0f})",
        )
        intake.add_argument(
            "--queue-frames",
            type=_positive,
            default=defaults.queue_frames,
            help=(
                "frames the burst's queue holds before the producer blocks "
                f"(default {defaults.queue_frames})"
            ),
        )
        intake.add_argument(
            "--json", action="store_true", help="print the report as JSON"
        )
        # Internal: the bench runs each phase in a child process of its own.
        intake.add_argument("--phase", help=argparse.SUPPRESS)
        intake.add_argument("--phase-options", help=argparse.SUPPRESS)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["phase"]:
            known = {f.name for f in fields(bench.BenchOptions)}
            given = json.loads(options["phase_options"] or "{}")
            phase_options = bench.BenchOptions(
                **{k: v for k, v in given.items() if k in known}
            )
            result = bench.run_phase(options["phase"], phase_options)
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return

        phases = [p.strip() for p in options["phases"].split(",") if p.strip()]
        unknown = [p for p in phases if p not in bench.PHASES]
        if unknown:
            raise CommandError(
                f"--phases: {', '.join(unknown)} not among {', '.join(bench.PHASES)}"
            )
        bench_options = bench.BenchOptions(
            frames=options["frames"],
            devices=options["devices"],
            units=options["units"],
            batch=options["batch"],
            read_batch=options["read_batch"] or 0,
            workers=options["workers"],
            http_batch=options["http_batch"],
            background_rate=options["background_rate"],
            latency_seconds=options["latency_seconds"],
            probe_rate=options["probe_rate"],
            burst=options["burst"],
            base_rate=options["base_rate"],
            burst_seconds=options["burst_seconds"],
            queue_frames=options["queue_frames"],
            databases=options["databases"],
            phases=phases,
        )

        def progress(message: str) -> None:
            self.stderr.write(message)

        try:
            report = bench.run(bench_options, progress=progress)
        except (ValueError, RuntimeError) as error:
            raise CommandError(str(error)) from None
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(bench.table(report))


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number")
    return value
