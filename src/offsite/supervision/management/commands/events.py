"""`offsite events list|show|act`: read events and act on them as a person.

    offsite events list [--state S] [--as USERNAME] [--json]
    offsite events show ID [--as USERNAME] [--json]
    offsite events act ID ACTION --as USERNAME [--at TIME] [--text …]
        [--officer USERNAME] [--district CODE] [--upheld | --refused]
        [--outcome …] [--request RID] [--file PATH …]

Without --as, list and show read as the operator at the console and see
every event. Every action runs as the named person through the same service
the HTTP API calls, so the same rules refuse the same things. A time without
an offset is Beijing time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from offsite.registry import queries as registry_queries
from offsite.registry.models import Person
from offsite.supervision import queries, services
from offsite.supervision.management.commands.sweep import ALLOW_FUTURE_HELP, parse_at
from offsite.supervision.models import Event, EventState, Report, ReviewRequest

ACTIONS = (
    "confirm",
    "dismiss",
    "answer",
    "request-review",
    "answer-review",
    "take-over",
    "designate",
    "assign",
    "investigate",
    "report",
    "close",
    "file-case",
)


class Command(BaseCommand):
    help = "List, show and act on supervision events (IM-15, LM-12..16)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)

        listing = sub.add_parser("list", help="List events, newest first.")
        listing.add_argument("--state", choices=EventState.values)
        listing.add_argument("--as", dest="username", help="Only what USERNAME sees.")
        listing.add_argument("--limit", type=int, default=100)
        listing.add_argument("--json", action="store_true")

        show = sub.add_parser("show", help="Show an event, timeline and due times.")
        show.add_argument("id", type=int)
        show.add_argument("--as", dest="username", help="Only what USERNAME sees.")
        show.add_argument("--json", action="store_true")

        act = sub.add_parser("act", help="Act on an event as a person.")
        act.add_argument("id", type=int)
        act.add_argument("action", choices=ACTIONS)
        act.add_argument("--as", dest="username", required=True)
        act.add_argument(
            "--at", help="ISO 8601 time of the action (no offset = Beijing time)."
        )
        act.add_argument("--allow-future", action="store_true", help=ALLOW_FUTURE_HELP)
        act.add_argument(
            "--text",
            default="",
            help="The reason, statement, answer or report text the action needs.",
        )
        act.add_argument("--officer", help="assign: the officer's username.")
        act.add_argument("--district", help="designate: the district's code.")
        decision = act.add_mutually_exclusive_group()
        decision.add_argument("--upheld", action="store_true", default=None)
        decision.add_argument("--refused", dest="upheld", action="store_false")
        act.add_argument("--outcome", choices=Report.Outcome.values)
        act.add_argument(
            "--request", type=int, help="answer-review: the request id (default open)."
        )
        act.add_argument(
            "--file",
            action="append",
            default=[],
            help="answer: an evidence file; repeat for more.",
        )
        act.add_argument("--json", action="store_true")

    def handle(self, *args: object, **options: Any) -> None:
        verb = options["verb"]
        if verb == "list":
            self._list(options)
        elif verb == "show":
            self._show(options)
        else:
            self._act(options)

    def _list(self, options: dict[str, Any]) -> None:
        events = _scope(options.get("username"))
        if options.get("state"):
            events = events.filter(state=options["state"])
        rows = [queries.summary(event) for event in events[: options["limit"]]]
        if options["json"]:
            self._json(rows)
            return
        for row in rows:
            self.stdout.write(
                f"{row['id']:>6}  {row['state']:<15} {row['scenario']:<18} "
                f"{row['unit']['name']}  {row['subject']}  due {row['due_at'] or '-'}"
            )

    def _show(self, options: dict[str, Any]) -> None:
        person = _person(options["username"]) if options.get("username") else None
        event = _event(options["id"], person)
        data = queries.describe(event, for_person=person)
        if options["json"]:
            self._json(data)
            return
        self.stdout.write(
            f"event {data['id']} {data['scenario']} {data['subject']} "
            f"{data['state']} (handled by {data['owner']})"
        )
        for name, value in data["due"].items():
            self.stdout.write(f"  {name}: {value}")
        for entry in data["timeline"]:
            self.stdout.write(
                f"  {entry['at']}  {entry['kind']:<16} {entry['summary']}"
            )

    def _act(self, options: dict[str, Any]) -> None:
        person = _person(options["username"])
        event = _event(options["id"], person)
        at = (
            parse_at(options["at"], allow_future=options["allow_future"])
            if options.get("at")
            else timezone.now()
        )
        try:
            _run(options["action"], event, person, at, options)
        except services.Refused as refused:
            raise CommandError(f"refused: {refused}") from refused
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        except ValueError as error:
            raise CommandError(_with_option(str(error))) from error
        event = Event.objects.get(pk=event.pk)
        if options["json"]:
            self._json(queries.describe(event, for_person=person))
        else:
            self.stdout.write(
                f"event {event.pk}: {options['action']} done, now {event.state}"
                + (f", due {queries.summary(event)['due_at']}" if event.due_at else "")
            )

    def _json(self, data: object) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))


def _run(
    action: str, event: Event, person: Person, at: Any, options: dict[str, Any]
) -> object:
    text = options.get("text") or ""
    if action == "confirm":
        return services.confirm(event, actor=person, at=at)
    if action == "dismiss":
        return services.dismiss(event, actor=person, at=at, reason=text)
    if action == "answer":
        return _answer(event, person, at, text, options["file"])
    if action == "request-review":
        return services.request_review(event, actor=person, at=at, statement=text)
    if action == "answer-review":
        if options.get("upheld") is None:
            raise CommandError("answer-review: say --upheld or --refused")
        return services.answer_review(
            _review_request(event, options.get("request")),
            actor=person,
            at=at,
            upheld=options["upheld"],
            reason=text,
        )
    if action == "take-over":
        return services.take_over(event, actor=person, at=at, reason=text)
    if action == "designate":
        district = registry_queries.district(options.get("district") or "")
        if district is None:
            raise CommandError(
                f"--district: no district with code {options.get('district')!r}"
            )
        return services.designate(
            event, actor=person, district=district, at=at, reason=text
        )
    if action == "assign":
        officer = _person(options.get("officer") or "", option="--officer")
        return services.assign(event, actor=person, officer=officer, at=at)
    if action == "investigate":
        return services.investigate(event, actor=person, at=at)
    if action == "report":
        if not options.get("outcome"):
            raise CommandError("report: --outcome is required")
        return services.report(
            event, actor=person, at=at, text=text, outcome=options["outcome"]
        )
    if action == "close":
        return services.close(event, actor=person, at=at, reason=text)
    return services.file_case(event, actor=person, at=at, reason=text)


def _answer(
    event: Event, person: Person, at: Any, text: str, paths: list[str]
) -> object:
    handles = []
    try:
        for name in paths:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"--file: {name} is not a readable file")
            handles.append(File(path.open("rb"), name=path.name))
        return services.answer(
            event, actor=person, at=at, text=text, evidence_files=handles
        )
    finally:
        for handle in handles:
            handle.close()


def _review_request(event: Event, pk: int | None) -> ReviewRequest:
    requests = event.review_requests.all()
    found = (
        requests.filter(pk=pk).first()
        if pk
        else requests.filter(state=ReviewRequest.State.OPEN).first()
    )
    if found is None:
        which = f"review request {pk}" if pk else "an open review request"
        raise CommandError(f"--request: event {event.pk} has no {which}")
    return found


def _person(username: str, *, option: str = "--as") -> Person:
    person = queries.person_by_username(username)
    if person is None:
        raise CommandError(f"{option}: no person with username {username!r}")
    return person


def _scope(username: str | None):
    if username:
        return queries.visible_events(_person(username))
    return Event.objects.select_related("unit", "scenario", "owner").order_by(
        "-opened_at", "-pk"
    )


def _event(pk: int, person: Person | None) -> Event:
    event = (
        queries.visible_event(person, pk)
        if person is not None
        else Event.objects.filter(pk=pk).first()
    )
    if event is None:
        raise CommandError(f"event {pk}: not found")
    return event


# The text an action needs goes by one name on the command line.
TEXT_FIELDS = ("reason", "statement", "text", "answer")


def _with_option(message: str) -> str:
    """Name the option that carries a field the services found wrong."""
    field, _, rest = message.partition(": ")
    if field in TEXT_FIELDS and rest:
        return f"--text ({field}): {rest}"
    return message
