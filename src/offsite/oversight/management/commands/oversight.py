"""`offsite oversight figures|situations`: the oversight part on the command line.

    offsite oversight figures [--from D] [--to D] [--by authority|officer]
        [--as USERNAME] [--at TIME] [--json]
    offsite oversight situations [--from D] [--to D] [--kind K]
        [--as USERNAME] [--at TIME] [--json]

Dates are Beijing days, YYYY-MM-DD, both included; the default period is the
current calendar year. Without --as the command reads as the operator and
sees every event; with --as it sees what that person's sign-in sees. The
output is in English, as the other commands; the console shows the same in
the reader's language.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet
from django.utils import timezone, translation

from offsite.calendar.times import parse_day
from offsite.oversight import queries as oversight
from offsite.supervision import queries
from offsite.supervision.management.commands.sweep import parse_at
from offsite.supervision.models import Event

# Column headings of the figures table, one per duty.
HEADINGS = {
    oversight.REVIEW: "review 24h",
    oversight.ASSIGNMENT: "assign 24h",
    oversight.VISIT: "visit 3wd",
    oversight.REVIEW_ANSWER: "answer 3wd",
}


class Command(BaseCommand):
    help = (
        "Show the timeliness figures per authority or officer (IM-18, LM-27) "
        "and the situations that call for discipline (LM-28)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        shown = sub.add_parser("figures", help="Duties done in time, late, overdue.")
        shown.add_argument(
            "--by", choices=oversight.GROUPINGS, default=oversight.BY_AUTHORITY
        )
        listed = sub.add_parser("situations", help="The LM-28 situations list.")
        listed.add_argument("--kind", choices=oversight.KINDS)
        for command in (shown, listed):
            command.add_argument("--from", dest="first_day", help="YYYY-MM-DD")
            command.add_argument("--to", dest="last_day", help="YYYY-MM-DD, included")
            command.add_argument(
                "--as", dest="username", help="Only what USERNAME may see."
            )
            command.add_argument(
                "--at",
                help="Judge as of this ISO 8601 time (no offset = Beijing time); "
                "default now.",
            )
            command.add_argument("--json", action="store_true")

    def handle(self, *args: object, **options: Any) -> None:
        at = parse_at(options["at"]) if options.get("at") else timezone.now()
        try:
            span = oversight.period(
                parse_day(options.get("first_day"), "--from"),
                parse_day(options.get("last_day"), "--to"),
                at=at,
                names=("--from", "--to"),
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        scope = _scope(options.get("username"))
        with translation.override("en"):
            if options["verb"] == "figures":
                self._figures(scope, span, at, options)
            else:
                self._situations(scope, span, at, options)

    def _figures(
        self,
        scope: QuerySet[Event],
        span: oversight.Period,
        at: Any,
        options: dict[str, Any],
    ) -> None:
        by = options["by"]
        rows = oversight.figures(scope, span, at=at, by=by)
        if options["json"]:
            self._json(
                {
                    **_period(span, at),
                    "by": by,
                    "rows": [row.as_dict() for row in rows],
                }
            )
            return
        self.stdout.write(
            f"Timeliness {span.first_day} to {span.last_day}, as of "
            f"{_beijing(at)} (in time/judged, late, open overdue)"
        )
        who = "authority" if by == oversight.BY_AUTHORITY else "authority / officer"
        self.stdout.write(
            f"{who:<32}" + "".join(f"{HEADINGS[m]:>20}" for m in oversight.MEASURES)
        )
        for row in rows:
            name = f"{row.authority.code} {row.authority.name}"
            if by == oversight.BY_OFFICER:
                name = f"{row.authority.code} {row.username or '(nobody yet)'}"
            self.stdout.write(
                f"{name:<32}"
                + "".join(f"{_cell(row.figures[m]):>20}" for m in oversight.MEASURES)
            )
        if not rows:
            self.stdout.write("(no duty judged in this period)")

    def _situations(
        self,
        scope: QuerySet[Event],
        span: oversight.Period,
        at: Any,
        options: dict[str, Any],
    ) -> None:
        found = oversight.situations(scope, span, at=at, kind=options.get("kind"))
        if options["json"]:
            self._json(
                {**_period(span, at), "situations": [s.as_dict() for s in found]}
            )
            return
        self.stdout.write(
            f"Situations {span.first_day} to {span.last_day}, as of {_beijing(at)}: "
            f"{len(found)}"
        )
        for item in found:
            self.stdout.write(
                f"{_beijing(item.since)}  {item.kind:<21} event {item.event.pk:<6} "
                f"{item.authority.code}  {item.username or '-'}  "
                f"{item.event.unit.name}"
            )
            self.stdout.write(f"    {item.reason}")

    def _json(self, data: object) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))


def _cell(figure: oversight.Figure) -> str:
    share = figure.share
    percent = "-" if share is None else f"{share:.0%}"
    return (
        f"{figure.in_time}/{figure.count} {percent} "
        f"L{figure.late} O{figure.open_overdue}"
    )


def _period(span: oversight.Period, at: Any) -> dict[str, str]:
    return {
        "first_day": span.first_day.isoformat(),
        "last_day": span.last_day.isoformat(),
        "at": at.astimezone(oversight.BEIJING).isoformat(),
    }


def _beijing(value: Any) -> str:
    return value.astimezone(oversight.BEIJING).strftime("%Y-%m-%d %H:%M")


def _scope(username: str | None) -> QuerySet[Event]:
    if not username:
        return Event.objects.all()
    person = queries.person_by_username(username)
    if person is None:
        raise CommandError(f"--as: no person with username {username!r}")
    if not person.is_staff_role:
        raise CommandError(
            f"--as: {username} is a {person.role}; oversight is for the "
            "authorities' staff (IM-18, LM-27)"
        )
    return queries.visible_events(person)
