"""`offsite replay FILE… [--unit CODE]`: feed capture files through intake."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from offsite.intake.replay import replay_files
from offsite.registry.models import Unit


class Command(BaseCommand):
    help = (
        "Replay GB/T 26875.3 capture files (one hex frame per line, '#' starts a "
        "comment) through the same intake path as the TCP gateway, and print a "
        "JSON summary."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument(
            "--unit",
            metavar="CODE",
            help="register unknown source addresses as devices of this unit",
        )

    def handle(self, *args, **options) -> None:
        unit = None
        if options["unit"] is not None and not options["unit"].strip():
            raise CommandError("--unit: give a unit's credit code")
        if options["unit"]:
            code = options["unit"].strip().upper()
            unit = Unit.objects.filter(credit_code=code).first()
            if unit is None:
                raise CommandError(f"--unit: no unit is registered with code {code}")
        missing = [str(p) for p in options["files"] if not p.is_file()]
        if missing:
            raise CommandError(f"files: not found: {', '.join(missing)}")

        summary = replay_files(options["files"], unit=unit)
        self.stdout.write(json.dumps(summary.as_dict(), ensure_ascii=False, indent=2))
