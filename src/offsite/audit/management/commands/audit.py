"""`offsite audit verify`: check the operation log's hash chain (IM-8).

    offsite audit verify [--json]

Walks the whole log in chain order and recomputes every hash. Prints OK with
the number of entries and the head's hash, or names the first entry that
does not hold (its id, sequence and time, and whether its own hash or its
link to the entry before it is wrong) and exits with status 1.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from offsite.audit import chain
from offsite.audit.queries import verify_chain


class Command(BaseCommand):
    help = "Check the operation log (IM-8): verify its hash chain."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        verify = sub.add_parser(
            "verify", help="Recompute every hash; exit 1 at the first break."
        )
        verify.add_argument("--json", action="store_true")

    def handle(self, *args: object, **options: Any) -> None:
        verdict = verify_chain()
        if options["json"]:
            self.stdout.write(json.dumps(verdict.as_dict(), indent=2))
        elif verdict.ok:
            self.stdout.write(
                f"OK: {verdict.checked} entries, chain head {verdict.head_hash}"
            )

        broken = verdict.broken
        if broken is None:
            return
        if not options["json"]:
            at = chain.utc_text(broken.at) if broken.at else "-"
            self.stdout.write(
                f"BROKEN after {verdict.checked} sound entries: {broken.message}\n"
                f"  entry {broken.entry_id}  sequence {broken.sequence}  at {at}\n"
                f"  expected {broken.expected or '-'}\n"
                f"  found    {broken.found or '-'}"
            )
        raise CommandError(
            f"the operation log's hash chain is broken at entry {broken.entry_id} "
            f"({broken.problem})",
            returncode=1,
        )
