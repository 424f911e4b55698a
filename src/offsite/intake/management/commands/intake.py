"""`offsite intake stats [--json]`: how many records came in, what became of them."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from offsite.intake import gateway_queries

COLUMNS = ("accepted", "rejected", "duplicates", "total")


class Command(BaseCommand):
    help = (
        "`stats` counts raw records: accepted, rejected, duplicates (received "
        "again and not stored twice) and total (all three), overall and by "
        "source."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        stats = actions.add_parser(
            "stats",
            help="count raw records by status and source",
            called_from_command_line=getattr(parser, "called_from_command_line", None),
        )
        stats.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        counts = gateway_queries.raw_record_counts()
        if options["json"]:
            self.stdout.write(json.dumps(counts, indent=2))
            return
        self.stdout.write(f"{'source':<12}" + "".join(f"{c:>12}" for c in COLUMNS))
        for source, row in counts["by_source"].items():
            self.stdout.write(
                f"{source:<12}" + "".join(f"{row[c]:>12}" for c in COLUMNS)
            )
        self.stdout.write(f"{'all':<12}" + "".join(f"{counts[c]:>12}" for c in COLUMNS))
