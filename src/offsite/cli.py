"""The `offsite` command: the platform's own jobs and Django's commands."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run an `offsite` subcommand (`offsite migrate`, `offsite replay …`)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "offsite.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["offsite", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
