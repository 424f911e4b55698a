"""The `offsite` command: the platform's own jobs and Django's commands."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Commands that create the embedded database or do not read it.
WITHOUT_DATABASE = frozenset(
    {"run", "migrate", "bench", "gb26875", "help", "version", "compilemessages"}
)


def main(argv: list[str] | None = None) -> None:
    """Run an `offsite` subcommand (`offsite migrate`, `offsite replay …`)."""
    args = sys.argv[1:] if argv is None else argv
    missing = _missing_database(args)
    if missing:
        sys.stderr.write(missing + "\n")
        sys.exit(1)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "offsite.settings")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["offsite", *args])
    except BrokenPipeError:
        # The reader went away (`offsite events list | head`): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)


def _missing_database(args: list[str]) -> str | None:
    """Say why a command cannot run when the embedded database is not there.

    Without `DATABASE_URL` the platform lives in `OFFSITE_HOME` (default:
    `var` under the current directory); a command run from another
    directory would otherwise meet an empty database and fail on a missing
    table.
    """
    from django.conf import settings

    if settings.configured or os.environ.get("DATABASE_URL"):
        return None  # called in a configured process, or not on SQLite
    if not args or args[0].startswith("-"):
        return None
    if args[0] in WITHOUT_DATABASE or "--help" in args or "-h" in args:
        return None
    home = Path(os.environ.get("OFFSITE_HOME", Path.cwd() / "var")).resolve()
    database = home / "offsite.sqlite3"
    if database.exists():
        return None
    return (
        f"offsite {args[0]}: no database at {database}. Run it from the directory "
        "where the platform was started (`make run` keeps it in ./var), or set "
        "OFFSITE_HOME to that directory, or DATABASE_URL; `offsite migrate` "
        "creates a new one there."
    )


if __name__ == "__main__":
    main()
