"""Read events: the open one for a problem, what is due, an event's story."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps as django_apps
from django.db.models import Q, QuerySet

from offsite.calendar.deadlines import Due, due_after
from offsite.catalog import queries as catalog
from offsite.catalog.models import Scenario
from offsite.registry.models import Authority, Person, Unit
from offsite.supervision.models import (
    FINAL_STATES,
    AuthorityNotice,
    Event,
    EventState,
    OwnerChange,
    Prompt,
    Report,
    ReviewRequest,
    Transition,
    UnitAnswer,
)

BEIJING = ZoneInfo("Asia/Shanghai")


def open_events() -> QuerySet[Event]:
    """Return the events not yet in a final state."""
    return Event.objects.exclude(state__in=FINAL_STATES)


def open_event(unit: Unit, scenario: Scenario, subject: str) -> Event | None:
    """Return the open event of one problem, or None.

    The scenario is matched by its code, so a breach judged under a newer
    edition of the item list still joins the event opened under the older.
    """
    return (
        open_events()
        .filter(unit=unit, scenario__code=scenario.code, subject=subject)
        .select_related("scenario", "unit")
        .first()
    )


def events_due(at: datetime) -> QuerySet[Event]:
    """Return open events whose deadline is at or before `at`, earliest first."""
    return (
        open_events()
        .filter(due_at__isnull=False, due_at__lte=at)
        .select_related("scenario", "unit")
        .order_by("due_at", "pk")
    )


# What a unit never sees of its own events: the steps before the dispatch
# center confirmed them (IM-15: nothing unconfirmed is published to a unit).
UNCONFIRMED = (EventState.DETECTED, EventState.AWAITING_REVIEW, EventState.DISMISSED)


def visible_events(person: Person | None) -> QuerySet[Event]:
    """Return the events a person may see, newest first.

    City staff see everything; district staff the events their district
    handles or whose unit is in it (LM-15); a unit user its own unit's
    confirmed events (IM-15); anyone else, a provider user included, none.
    """
    events = Event.objects.select_related(
        "unit", "scenario", "owner", "assignee__user"
    ).order_by("-opened_at", "-pk")
    if person is None:
        return events.none()
    if person.role == Person.Role.UNIT_USER and person.unit_id is not None:
        return events.filter(unit_id=person.unit_id).exclude(state__in=UNCONFIRMED)
    if person.is_staff_role and person.authority_id is not None:
        if person.authority.level == Authority.Level.CITY:
            return events
        return events.filter(
            Q(owner_id=person.authority_id) | Q(unit__district_id=person.authority_id)
        )
    return events.none()


def visible_event(person: Person | None, pk: int) -> Event | None:
    """Return one event if the person may see it, else None."""
    return visible_events(person).filter(pk=pk).first()


def person_by_username(username: str) -> Person | None:
    """Return the person who signs in with this username, or None."""
    return (
        Person.objects.select_related("user", "authority", "unit")
        .filter(user__username=username)
        .first()
    )


def review_request_of(event: Event, pk: int) -> ReviewRequest | None:
    """Return a review request of this event, or None."""
    return event.review_requests.filter(pk=pk).first()


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened to an event."""

    at: datetime
    kind: str  # "finding", "transition", "prompt", "answer", "review_request"…
    summary: str
    item: Any


def timeline(event: Event) -> list[TimelineEntry]:
    """Return the event's findings, transitions and prompts in time order.

    Things stamped with the same time keep the order they were made in: a
    finding first, then each transition, each prompt right after the
    transition that sent it.
    """
    keyed: list[tuple[tuple, TimelineEntry]] = []

    for link in event.links.select_related("finding").order_by("attached_at", "pk"):
        finding = link.finding
        observed = finding.observed_at.astimezone(BEIJING).isoformat()
        summary = f"finding {finding.pk} {finding.outcome}, observed {observed}"
        keyed.append(
            (
                (link.attached_at, 0, link.pk, 0),
                TimelineEntry(link.attached_at, "finding", summary, link),
            )
        )

    steps = list(event.transitions.order_by("at", "pk"))
    for step in steps:
        summary = f"{step.from_state} → {step.to_state} by {step.actor}"
        if step.reason:
            summary += f": {step.reason}"
        keyed.append(
            (
                (step.at, 1, step.pk, 0),
                TimelineEntry(step.at, "transition", summary, step),
            )
        )

    for prompt in event.prompts.order_by("created_at", "pk"):
        sender = _sending_step(steps, prompt)
        keyed.append(
            (
                (prompt.created_at, 1, sender, 1),
                TimelineEntry(
                    prompt.created_at, "prompt", f"{prompt.kind} to the unit", prompt
                ),
            )
        )

    for answer in event.answers.prefetch_related("files"):
        files = len(answer.files.all())
        keyed.append(
            (
                (answer.at, 2, answer.pk, 0),
                TimelineEntry(
                    answer.at, "answer", f"the unit answered, {files} file(s)", answer
                ),
            )
        )
    for request in event.review_requests.all():
        keyed.append(
            (
                (request.filed_at, 2, request.pk, 1),
                TimelineEntry(
                    request.filed_at,
                    "review_request",
                    f"review request {request.pk} filed by the unit (LM-14)",
                    request,
                ),
            )
        )
        if request.answered_at is not None:
            keyed.append(
                (
                    (request.answered_at, 0, request.pk, 2),
                    TimelineEntry(
                        request.answered_at,
                        "review_answer",
                        f"review request {request.pk} {request.state}: "
                        f"{request.reason}",
                        request,
                    ),
                )
            )
    report = Report.objects.filter(event=event).first()
    if report is not None:
        keyed.append(
            (
                (report.at, 0, report.pk, 3),
                TimelineEntry(report.at, "report", f"report: {report.outcome}", report),
            )
        )
    for change in event.owner_changes.select_related("from_authority", "to_authority"):
        keyed.append(
            (
                (change.at, 2, change.pk, 4),
                TimelineEntry(
                    change.at,
                    "owner_change",
                    f"{change.kind}: {change.from_authority.code} → "
                    f"{change.to_authority.code} (LM-15)",
                    change,
                ),
            )
        )
    for notice in event.authority_notices.select_related("authority"):
        keyed.append(
            (
                (notice.created_at, 2, notice.pk, 5),
                TimelineEntry(
                    notice.created_at,
                    "authority_notice",
                    f"{notice.kind} to {notice.authority.code}",
                    notice,
                ),
            )
        )

    keyed.sort(key=lambda pair: pair[0])
    return [entry for _, entry in keyed]


def _sending_step(steps: list[Transition], prompt: Prompt) -> int:
    """Return the id of the transition that sent `prompt`, or 0."""
    sender = 0
    for step in steps:
        if step.at <= prompt.created_at and step.to_state in (
            EventState.WARNED,
            EventState.ORDERED,
        ):
            sender = step.pk
    return sender


# Describing an event for the API and the command line -------------------------

# Entries a unit user does not see on its own event: internal notes between
# authorities, and the review before confirmation (IM-15).
INTERNAL_KINDS = frozenset({"owner_change", "authority_notice", "finding"})


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(BEIJING).isoformat() if value else None


def _username(person: Person | None) -> str | None:
    return person.user.get_username() if person else None


def summary(event: Event) -> dict[str, Any]:
    """Return an event's list row as plain data, times in Beijing."""
    return {
        "id": event.pk,
        "unit": {"id": event.unit_id, "name": event.unit.name},
        "scenario": event.scenario.code,
        "subject": event.subject,
        "state": event.state,
        "owner": event.owner.code,
        "assignee": _username(event.assignee),
        "opened_at": _iso(event.opened_at),
        "state_changed_at": _iso(event.state_changed_at),
        "due_at": _iso(event.due_at),
        "due_is_provisional": event.due_is_provisional,
    }


def due_times(event: Event) -> dict[str, Any]:
    """Return every deadline that binds the event now, in Beijing time.

    `state` is the deadline of the current state: the review (LM-12), the
    unit's rectification (LM-13 ¶2), the assignment (LM-13) or the on-site
    investigation (LM-13 ¶1). The review window and answer come from LM-14.
    """
    served_on = service_date(event)
    window = review_window_end(served_on) if served_on else None
    open_request = event.review_requests.filter(state=ReviewRequest.State.OPEN).first()
    return {
        "state": event.state,
        "state_due_at": _iso(event.due_at),
        "state_due_is_provisional": event.due_is_provisional,
        "served_on": served_on.isoformat() if served_on else None,
        "review_window_ends_at": (
            None if event.state == EventState.CASE_FILED else _iso(window)
        ),
        "review_answer_due_at": _iso(open_request.due_at) if open_request else None,
    }


def describe(event: Event, *, for_person: Person | None = None) -> dict[str, Any]:
    """Return an event with its timeline, due times and records as plain data.

    For a unit user, steps before confirmation and notes between authorities
    are left out (IM-15).
    """
    unit_view = for_person is not None and for_person.role == Person.Role.UNIT_USER
    entries = timeline(event)
    if unit_view:
        entries = [
            entry
            for entry in entries
            if entry.kind not in INTERNAL_KINDS
            and not (
                entry.kind == "transition"
                and (
                    entry.item.from_state in UNCONFIRMED
                    or entry.item.to_state in UNCONFIRMED
                )
            )
        ]
    report = Report.objects.filter(event=event).select_related("officer__user").first()
    data = summary(event)
    data.update(
        {
            "finished_at": _iso(event.finished_at),
            "due": due_times(event),
            "timeline": [
                {"at": _iso(entry.at), "kind": entry.kind, "summary": entry.summary}
                for entry in entries
            ],
            "prompts": [
                {
                    "kind": prompt.kind,
                    "document_number": prompt.document_number,
                    "created_at": _iso(prompt.created_at),
                    "due_at": _iso(prompt.due_at),
                    "text": prompt.text,
                }
                for prompt in event.prompts.order_by("created_at", "pk")
            ],
            "notices": _notices(event),
            "answers": [
                {
                    "id": answer.pk,
                    "at": _iso(answer.at),
                    "by": _username(answer.person),
                    "text": answer.text,
                    "files": [
                        {
                            "name": f.name,
                            "size_bytes": f.size_bytes,
                            "sha256": f.sha256,
                        }
                        for f in answer.files.all()
                    ],
                }
                for answer in UnitAnswer.objects.filter(event=event)
                .select_related("person__user")
                .prefetch_related("files")
            ],
            "review_requests": [
                {
                    "id": request.pk,
                    "state": request.state,
                    "filed_at": _iso(request.filed_at),
                    "statement": request.statement,
                    "served_on": (
                        request.served_on.isoformat() if request.served_on else None
                    ),
                    "window_ends_at": _iso(request.window_ends_at),
                    "due_at": _iso(request.due_at),
                    "answered_at": _iso(request.answered_at),
                    "reason": request.reason,
                }
                for request in event.review_requests.all()
            ],
            "report": (
                {
                    "at": _iso(report.at),
                    "officer": _username(report.officer),
                    "outcome": report.outcome,
                    "text": report.text,
                }
                if report
                else None
            ),
        }
    )
    if not unit_view:
        data["authority_notices"] = [
            {
                "authority": notice.authority.code,
                "kind": notice.kind,
                "created_at": _iso(notice.created_at),
                "text": notice.text,
            }
            for notice in AuthorityNotice.objects.filter(event=event).select_related(
                "authority"
            )
        ]
        data["owner_changes"] = [
            {
                "kind": change.kind,
                "from": change.from_authority.code,
                "to": change.to_authority.code,
                "at": _iso(change.at),
                "by": _username(change.person),
            }
            for change in OwnerChange.objects.filter(event=event).select_related(
                "from_authority", "to_authority", "person__user"
            )
        ]
    return data


def _notices(event: Event) -> list[dict[str, Any]]:
    if not django_apps.is_installed("offsite.delivery"):
        return []
    from offsite.delivery import queries as delivery_queries
    from offsite.delivery.models import Notice

    return [
        {
            "id": notice.pk,
            "kind": notice.kind,
            "document_number": notice.document_number,
            "created_at": _iso(notice.created_at),
            "electronic": notice.electronic,
            "service_date": (
                served.isoformat()
                if (served := delivery_queries.service_date(notice))
                else None
            ),
        }
        for notice in Notice.objects.filter(event=event).order_by("created_at", "pk")
    ]


# Deadlines and service --------------------------------------------------------


def legal_due(code: str, start: datetime) -> Due:
    """Return the due time a legal period (by its catalog code) sets from `start`."""
    period = catalog.legal_period(code, on=start.astimezone(BEIJING).date())
    return due_after(start, period.value, period.unit)


def review_window_end(served_on: date) -> datetime:
    """Return the end of the review window for a notice served on a date.

    LM-14: 15 calendar days from the next day; a last day that is a rest day
    rolls to the next working day (the calendar's "days" rule).
    """
    start = datetime.combine(served_on, time(12, 0), tzinfo=BEIJING)
    return legal_due("review_request_window_days", start).at


def service_date(event: Event) -> date | None:
    """Return the date the event's warning or order was served, or None.

    None while it is not served, or when no warning or order was sent.
    """
    if not django_apps.is_installed("offsite.delivery"):
        return None
    from offsite.delivery import queries as delivery_queries
    from offsite.delivery.models import Notice

    notice = (
        Notice.objects.filter(event=event, kind__in=Prompt.Kind.values)
        .order_by("created_at", "pk")
        .first()
    )
    return delivery_queries.service_date(notice) if notice else None
