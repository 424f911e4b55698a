"""Read events: the open one for a problem, what is due, an event's story."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from offsite.catalog.models import Scenario
from offsite.registry.models import Unit
from offsite.supervision.models import (
    FINAL_STATES,
    Event,
    EventFinding,
    EventState,
    Prompt,
    Transition,
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


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened to an event."""

    at: datetime
    kind: str  # "finding", "transition" or "prompt"
    summary: str
    item: EventFinding | Transition | Prompt


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
