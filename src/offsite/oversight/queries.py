"""Oversight (IM-18..20, LM-26..28): timeliness figures and the situations list.

Nothing here is entered by hand. Every figure is read from what the workflow
stored while it ran: the transitions with the deadline each move set
(`Transition.due_at`, computed by `services.transition` from the catalog's
legal periods and the working-day calendar, the same deadlines the sweep
acts on), the review requests with their answer deadline, the notices with
their outbox messages, the reports and the owner changes. No period is
recomputed here, so a figure never disagrees with the deadline a person was
shown.

Four duties bind the authority, each starting when a row stored its due time:

- review: an event entered `awaiting_review`; the dispatch center confirms or
  dismisses it within 24 hours of the data (LM-12, IM-15);
- assignment: an event became a clue; an officer is assigned within 24 hours
  (LM-13);
- visit: a clue was assigned; the assigned officer starts the on-site
  investigation within 3 working days (LM-13 ¶1);
- review answer: a unit asked for review; the authority answers within 3
  working days (LM-14).

A duty belongs to the period its due time falls in (Beijing days, both ends
included) and to the authority that handled the event at that due time
(LM-15: the city may take a clue over). It is judged once it is done or its
due time has passed: done by the due time is in time; done after it is late;
not done and past due is open and overdue. An open overdue duty is in the
count and not in time, so it lowers the share exactly as a late one does: an
authority cannot improve its share by leaving work undone. A duty not yet
due and not done is not judged yet. A duty the event left by another move
before its due time (a clue ended because a review request held, LM-14) is
not a duty any more and is left out.

The situations list gives the facts LM-28 names as grounds for discipline:
whether a fact "let a violation persist" (LM-28 (1)..(3)) or was "corrected
or found unlawful by a competent organ" (LM-28 (4)) is for the people who
read it to judge; the list shows every case where the stored facts show the
step was missed.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from offsite.delivery import queries as delivery_queries
from offsite.delivery.models import Notice, NoticeKind, OutboxMessage
from offsite.registry.models import Authority, Person
from offsite.supervision.models import (
    AuthorityNotice,
    Event,
    EventState,
    OwnerChange,
    Prompt,
    Report,
    ReviewRequest,
    Transition,
)

logger = logging.getLogger(__name__)

BEIJING = ZoneInfo("Asia/Shanghai")

_S = EventState

# The duties, in the order the figures show them.
REVIEW = "review"
ASSIGNMENT = "assignment"
VISIT = "visit"
REVIEW_ANSWER = "review_answer"
MEASURES = (REVIEW, ASSIGNMENT, VISIT, REVIEW_ANSWER)

MEASURE_LABELS = {
    REVIEW: gettext_lazy("Reviews within 24 h (LM-12)"),
    ASSIGNMENT: gettext_lazy("Clues assigned within 24 h (LM-13)"),
    VISIT: gettext_lazy("On-site visits within 3 working days (LM-13)"),
    REVIEW_ANSWER: gettext_lazy("Review requests answered within 3 working days"),
}

# The state whose entry starts a duty (its transition stored the due time),
# and the moves that do it.
DUTY_STATES: dict[str, tuple[str, frozenset[str]]] = {
    _S.AWAITING_REVIEW: (REVIEW, frozenset({_S.CONFIRMED, _S.DISMISSED})),
    _S.CLUE: (ASSIGNMENT, frozenset({_S.ASSIGNED})),
    _S.ASSIGNED: (VISIT, frozenset({_S.INVESTIGATING})),
}

BY_AUTHORITY = "authority"
BY_OFFICER = "officer"
GROUPINGS = (BY_AUTHORITY, BY_OFFICER)

# The kinds of LM-28 situations, in the order of its items.
NOTICE_NOT_SERVED = "notice_not_served"  # LM-28 (1)
VISIT_NOT_DISPATCHED = "visit_not_dispatched"  # LM-28 (2)
NOT_VERIFIED_IN_TIME = "not_verified_in_time"  # LM-28 (3)
PROCEDURE_SKIPPED = "procedure_skipped"  # LM-28 (4)
KINDS = (
    NOTICE_NOT_SERVED,
    VISIT_NOT_DISPATCHED,
    NOT_VERIFIED_IN_TIME,
    PROCEDURE_SKIPPED,
)

KIND_LABELS = {
    NOTICE_NOT_SERVED: gettext_lazy("Notice not served (LM-28 (1))"),
    VISIT_NOT_DISPATCHED: gettext_lazy("On-site check not dispatched (LM-28 (2))"),
    NOT_VERIFIED_IN_TIME: gettext_lazy("Not verified on site in time (LM-28 (3))"),
    PROCEDURE_SKIPPED: gettext_lazy("Procedure skipped (LM-28 (4))"),
}

# The notices a warning or an order sends (LM-12), and the states that send them.
RESPONSE_NOTICES = frozenset(
    {NoticeKind.IMMEDIATE_PROMPT, NoticeKind.WARNING, NoticeKind.RECTIFICATION_ORDER}
)
RESPONSE_STATES = (_S.WARNED, _S.ORDERED)


# The period --------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Beijing calendar days from `first_day` to `last_day`, both included."""

    first_day: date
    last_day: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(0, 0), tzinfo=BEIJING)

    @property
    def end(self) -> datetime:
        """Return the first instant after the period."""
        return datetime.combine(
            self.last_day + timedelta(days=1), time(0, 0), tzinfo=BEIJING
        )

    def holds(self, at: datetime) -> bool:
        return self.start <= at < self.end


def period(
    first_day: date | None = None,
    last_day: date | None = None,
    *,
    at: datetime,
    names: tuple[str, str] = ("from", "to"),
) -> Period:
    """Return the period to report on; by default the calendar year of `at`.

    A missing end takes the calendar year of the other end. The end must not
    come before the start; `names` are the fields an error names.
    """
    if first_day is None and last_day is None:
        year = at.astimezone(BEIJING).year
        return Period(date(year, 1, 1), date(year, 12, 31))
    if first_day is None:
        first_day = date(last_day.year, 1, 1)
    if last_day is None:
        last_day = date(first_day.year, 12, 31)
    if last_day < first_day:
        first, last = names
        raise ValueError(
            f"{last}: {last_day.isoformat()} is before {first} "
            f"{first_day.isoformat()}; the period runs from {first} to {last}, "
            "both days included"
        )
    return Period(first_day, last_day)


# Duties ------------------------------------------------------------------------


@dataclass(frozen=True)
class Duty:
    """One thing the authority had to do by a stored due time."""

    measure: str
    event_id: int
    authority_id: int
    person_id: int | None
    started_at: datetime
    due_at: datetime
    # When the event left the state (or the request was answered), and the
    # state it moved to: None while the duty is open.
    done_at: datetime | None
    done_by: str = ""

    @property
    def in_time(self) -> bool:
        return self.done_at is not None and self.done_at <= self.due_at

    @property
    def late(self) -> bool:
        return self.done_at is not None and self.done_at > self.due_at

    def overdue(self, at: datetime) -> bool:
        return self.done_at is None and at > self.due_at

    def judged(self, at: datetime) -> bool:
        return self.done_at is not None or self.overdue(at)


def duties(scope: QuerySet[Event], span: Period, *, at: datetime) -> list[Duty]:
    """Return every duty of the events in `scope` whose due time is in `span`."""
    events = _ids(scope)
    owners = _OwnerHistory(events)
    found = _event_duties(events, span, owners)
    found.extend(_review_answer_duties(events, span, owners))
    return [duty for duty in found if duty is not None]


def _ids(scope: QuerySet[Event]) -> QuerySet[Event]:
    return scope.order_by().values("pk")


def _event_duties(
    events: QuerySet[Event], span: Period, owners: _OwnerHistory
) -> list[Duty]:
    starts = list(
        Transition.objects.filter(
            event__in=events,
            to_state__in=list(DUTY_STATES),
            due_at__gte=span.start,
            due_at__lt=span.end,
        )
        .order_by("at", "pk")
        .values("pk", "event_id", "to_state", "at", "due_at")
    )
    leaving: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for step in (
        Transition.objects.filter(event__in=events, from_state__in=list(DUTY_STATES))
        .order_by("at", "pk")
        .values("pk", "event_id", "from_state", "to_state", "at", "person_id")
    ):
        leaving[(step["event_id"], step["from_state"])].append(step)
    assignees = dict(
        Event.objects.filter(pk__in={s["event_id"] for s in starts}).values_list(
            "pk", "assignee_id"
        )
    )

    found = []
    for start in starts:
        measure, doing = DUTY_STATES[start["to_state"]]
        left = next(
            (
                step
                for step in leaving[(start["event_id"], start["to_state"])]
                if step["pk"] > start["pk"]
            ),
            None,
        )
        if (
            left is not None
            and left["to_state"] not in doing
            and left["at"] <= start["due_at"]
        ):
            continue  # another move ended the duty before it fell due
        person_id = None
        if measure == VISIT:
            # IM-16: whoever the clue is assigned to investigates it.
            person_id = assignees.get(start["event_id"])
        elif left is not None and left["to_state"] in doing:
            person_id = left["person_id"]
        found.append(
            Duty(
                measure=measure,
                event_id=start["event_id"],
                authority_id=owners.at(start["event_id"], start["due_at"]),
                person_id=person_id,
                started_at=start["at"],
                due_at=start["due_at"],
                done_at=left["at"] if left else None,
                done_by=left["to_state"] if left else "",
            )
        )
    return found


def _review_answer_duties(
    events: QuerySet[Event], span: Period, owners: _OwnerHistory
) -> list[Duty]:
    requests = ReviewRequest.objects.filter(
        event__in=events, due_at__gte=span.start, due_at__lt=span.end
    ).order_by("due_at", "pk")
    return [
        Duty(
            measure=REVIEW_ANSWER,
            event_id=request.event_id,
            authority_id=owners.at(request.event_id, request.due_at),
            person_id=request.answered_by_id,
            started_at=request.filed_at,
            due_at=request.due_at,
            done_at=request.answered_at,
            done_by=request.state if request.answered_at else "",
        )
        for request in requests
    ]


class _OwnerHistory:
    """Tell which authority handled an event at a time, from its owner changes."""

    def __init__(self, events: QuerySet[Event]):
        self.current = dict(
            Event.objects.filter(pk__in=events).values_list("pk", "owner_id")
        )
        self.changes: dict[int, list[tuple[datetime, int, int]]] = defaultdict(list)
        for change in OwnerChange.objects.filter(event__in=events).order_by("at", "pk"):
            self.changes[change.event_id].append(
                (change.at, change.from_authority_id, change.to_authority_id)
            )

    def at(self, event_id: int, when: datetime) -> int:
        changes = self.changes.get(event_id)
        if not changes:
            return self.current[event_id]
        owner = changes[0][1]
        for at, _from, to in changes:
            if at <= when:
                owner = to
        return owner


# Figures -----------------------------------------------------------------------


@dataclass
class Figure:
    """How one duty went: judged duties, in time, late, open and overdue."""

    count: int = 0
    in_time: int = 0
    late: int = 0
    open_overdue: int = 0

    @property
    def share(self) -> float | None:
        """Return the share done in time, or None when nothing was judged."""
        if self.count == 0:
            return None
        return self.in_time / self.count

    @property
    def percent(self) -> int | None:
        share = self.share
        return None if share is None else round(share * 100)

    def add(self, duty: Duty, at: datetime) -> None:
        if duty.in_time:
            self.count += 1
            self.in_time += 1
        elif duty.late:
            self.count += 1
            self.late += 1
        elif duty.overdue(at):
            self.count += 1
            self.open_overdue += 1

    def as_dict(self) -> dict[str, Any]:
        share = self.share
        return {
            "count": self.count,
            "in_time": self.in_time,
            "late": self.late,
            "open_overdue": self.open_overdue,
            "share": None if share is None else round(share, 4),
        }


@dataclass
class FigureRow:
    """The figures of one authority, or of one person of an authority.

    In the per-officer table, duties nobody has taken yet (an open review,
    an unassigned clue, an unanswered request) have no person: they stand in
    a row of their authority with `person` None, so the rows of an authority
    add up to its total.
    """

    authority: Authority
    person: Person | None = None
    figures: dict[str, Figure] = field(
        default_factory=lambda: {name: Figure() for name in MEASURES}
    )

    @property
    def username(self) -> str | None:
        return self.person.user.get_username() if self.person else None

    @property
    def cells(self) -> list[Figure]:
        """Return the figures in the order of MEASURES, for a table row."""
        return [self.figures[name] for name in MEASURES]

    def as_dict(self) -> dict[str, Any]:
        row: dict[str, Any] = {
            "authority": {"code": self.authority.code, "name": self.authority.name},
            "person": self.username,
        }
        row.update({name: self.figures[name].as_dict() for name in MEASURES})
        return row


def figures(
    scope: QuerySet[Event],
    span: Period,
    *,
    at: datetime,
    by: str = BY_AUTHORITY,
) -> list[FigureRow]:
    """Return the timeliness figures per authority or per officer (LM-27).

    `scope` is the events the caller may see; `at` is now, which decides
    which open duties are already overdue. Per officer, a done duty belongs
    to the person who did it (the review, the assignment, the answer) and a
    visit to the officer the clue was assigned to, done or not; the row's
    authority is then the person's own.
    """
    if by not in GROUPINGS:
        raise ValueError(f"by: expected one of {', '.join(GROUPINGS)}, got {by!r}")
    found = [duty for duty in duties(scope, span, at=at) if duty.judged(at)]
    people = _people({duty.person_id for duty in found} - {None})
    authorities = Authority.objects.in_bulk(
        {duty.authority_id for duty in found}
        | {person.authority_id for person in people.values()}
    )

    rows: dict[tuple[int, int | None], FigureRow] = {}
    for duty in found:
        person = people.get(duty.person_id) if by == BY_OFFICER else None
        authority_id = (
            person.authority_id
            if person is not None and person.authority_id
            else duty.authority_id
        )
        key = (authority_id, person.pk if person else None)
        row = rows.get(key)
        if row is None:
            row = rows[key] = FigureRow(
                authority=authorities[authority_id], person=person
            )
        row.figures[duty.measure].add(duty, at)

    return sorted(
        rows.values(),
        key=lambda row: (row.authority.code, row.person is None, row.username or ""),
    )


def _people(ids: Iterable[int]) -> dict[int, Person]:
    return Person.objects.select_related("user", "authority").in_bulk(list(ids))


# Situations (LM-28) ------------------------------------------------------------


@dataclass(frozen=True)
class Situation:
    """One fact LM-28 names as a ground for discipline."""

    kind: str
    event: Event
    authority: Authority
    person: Person | None
    since: datetime
    reason: str

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])

    @property
    def username(self) -> str | None:
        return self.person.user.get_username() if self.person else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "event": self.event.pk,
            "unit": {"id": self.event.unit_id, "name": self.event.unit.name},
            "authority": {"code": self.authority.code, "name": self.authority.name},
            "person": self.username,
            "since": self.since.astimezone(BEIJING).isoformat(),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class _Found:
    kind: str
    event_id: int
    person_id: int | None
    since: datetime
    reason: str


def situations(
    scope: QuerySet[Event],
    span: Period,
    *,
    at: datetime,
    kind: str | None = None,
) -> list[Situation]:
    """Return the LM-28 situations in `scope` that arose within `span`.

    A situation arose at the due time it missed or, for a skipped step, at
    the move that skipped it; only those before `at` are listed (a duty done
    exactly at its due time is in time). Kinds:

    - notice_not_served (LM-28 (1)): a warning, an order or a review answer
      decided but not served by the deadline it carries. A warning or order
      is due to be served by the rectification deadline stored with its
      prompt (the unit cannot fix a problem by a date it was never told);
      a warning that forms a clue at once carries no deadline (LM-13 ¶1)
      and is due by the assignment deadline stored with the clue it formed;
      a review answer by the answer deadline of its request (LM-14: the
      authority answers, and tells the unit, within 3 working days). Served
      means the service date delivery records (LM-5: sent, a proven arrival,
      or service by other means) falls on or before the deadline's day.
    - visit_not_dispatched (LM-28 (2)): a clue not assigned by the due time
      stored when it formed (LM-13: 24 hours), assigned late or not yet.
    - not_verified_in_time (LM-28 (3)): an assigned clue whose on-site
      investigation did not start by the due time stored at assignment
      (LM-13 ¶1: 3 working days). Closing a clue has no period of its own in
      the rules or the model, so a slow report or close is not listed.
    - procedure_skipped (LM-28 (4)): a step the procedure requires is missing
      from the record: a clue closed without a report verifying the
      rectification (IM-16); a clue closed or a case filed without an
      on-site investigation (LM-13, LM-17); a warning, order or clue formed
      from data a person must confirm without a qualified officer's
      confirmation (IM-15, LM-9); a warning or order with no notice to the
      unit, a review request answered with no answer notice (LM-14), or a
      clue moved between authorities without telling them (LM-15).
    """
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind: expected one of {', '.join(KINDS)}, got {kind!r}")
    events = _ids(scope)
    found: list[_Found] = []
    if kind in (None, NOTICE_NOT_SERVED):
        found.extend(_unserved_notices(events))
    if kind in (None, VISIT_NOT_DISPATCHED, NOT_VERIFIED_IN_TIME):
        found.extend(_missed_duties(events, span, at=at, kind=kind))
    if kind in (None, PROCEDURE_SKIPPED):
        found.extend(_skipped_steps(events))
    found = [item for item in found if span.holds(item.since) and item.since < at]

    owners = _OwnerHistory(events)
    shown = Event.objects.select_related("unit", "owner").in_bulk(
        {item.event_id for item in found}
    )
    people = _people({item.person_id for item in found} - {None})
    authorities = Authority.objects.in_bulk(
        {owners.at(item.event_id, item.since) for item in found}
    )
    rows = [
        Situation(
            kind=item.kind,
            event=shown[item.event_id],
            authority=authorities[owners.at(item.event_id, item.since)],
            person=people.get(item.person_id),
            since=item.since,
            reason=item.reason,
        )
        for item in found
    ]
    rows.sort(key=lambda row: (row.since, KINDS.index(row.kind), row.event.pk))
    return rows


def _beijing(value: datetime) -> str:
    return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _missed_duties(
    events: QuerySet[Event], span: Period, *, at: datetime, kind: str | None
) -> list[_Found]:
    missed = [
        duty
        for duty in _event_duties(events, span, _OwnerHistory(events))
        if duty.late or duty.overdue(at)
    ]
    people = _people({duty.person_id for duty in missed} - {None})
    found = []
    for duty in missed:
        if duty.measure == ASSIGNMENT and kind in (None, VISIT_NOT_DISPATCHED):
            found.append(_unassigned(duty, people))
        elif duty.measure == VISIT and kind in (None, NOT_VERIFIED_IN_TIME):
            found.append(_unvisited(duty, people))
    return found


def _unassigned(duty: Duty, people: dict[int, Person]) -> _Found:
    values = {"formed": _beijing(duty.started_at), "due": _beijing(duty.due_at)}
    if duty.done_at is None:
        reason = _(
            "Clue formed %(formed)s was to be assigned by %(due)s and is not "
            "assigned yet (LM-13)."
        )
    elif duty.done_by == _S.ASSIGNED:
        reason = _(
            "Clue formed %(formed)s was to be assigned by %(due)s; it was assigned "
            "%(done)s by %(who)s (LM-13)."
        )
    else:
        reason = _(
            "Clue formed %(formed)s was to be assigned by %(due)s; it was not "
            "assigned before it moved to %(state)s at %(done)s (LM-13)."
        )
    if duty.done_at is not None:
        values["done"] = _beijing(duty.done_at)
        values["state"] = duty.done_by
        values["who"] = _who(people.get(duty.person_id))
    return _Found(
        VISIT_NOT_DISPATCHED,
        duty.event_id,
        duty.person_id,
        duty.due_at,
        reason % values,
    )


def _unvisited(duty: Duty, people: dict[int, Person]) -> _Found:
    values = {
        "assigned": _beijing(duty.started_at),
        "due": _beijing(duty.due_at),
        "who": _who(people.get(duty.person_id)),
    }
    if duty.done_at is None:
        reason = _(
            "Clue assigned to %(who)s %(assigned)s: the on-site investigation was "
            "due to start by %(due)s and has not started (LM-13)."
        )
    elif duty.done_by == _S.INVESTIGATING:
        values["done"] = _beijing(duty.done_at)
        reason = _(
            "Clue assigned to %(who)s %(assigned)s: the on-site investigation was "
            "due to start by %(due)s and started %(done)s (LM-13)."
        )
    else:
        values["done"] = _beijing(duty.done_at)
        values["state"] = duty.done_by
        reason = _(
            "Clue assigned to %(who)s %(assigned)s: no on-site investigation by "
            "%(due)s; it moved to %(state)s at %(done)s (LM-13)."
        )
    return _Found(
        NOT_VERIFIED_IN_TIME,
        duty.event_id,
        duty.person_id,
        duty.due_at,
        reason % values,
    )


def _who(person: Person | None) -> str:
    return person.user.get_username() if person else _("nobody recorded")


# Notices not served -------------------------------------------------------------


def _unserved_notices(events: QuerySet[Event]) -> list[_Found]:
    notices = (
        Notice.objects.filter(
            event__in=events,
            kind__in=[*RESPONSE_NOTICES, NoticeKind.REVIEW_ANSWER],
        )
        .prefetch_related("messages")
        .order_by("created_at", "pk")
    )
    deadlines = _notice_deadlines(events)
    found = []
    for notice in notices:
        deadline = deadlines.get((notice.event_id, notice.kind, notice.created_at))
        if deadline is None:
            continue
        due_at, source = deadline
        served = delivery_queries.service_date(notice)
        if served is not None and served <= due_at.astimezone(BEIJING).date():
            continue
        found.append(
            _Found(
                NOTICE_NOT_SERVED,
                notice.event_id,
                None,
                due_at,
                _unserved_reason(notice, served, due_at, source),
            )
        )
    return found


def _notice_deadlines(
    events: QuerySet[Event],
) -> dict[tuple[int, str, datetime], tuple[datetime, str]]:
    """Return, per (event, notice kind, decided at), the deadline to serve it by."""
    deadlines: dict[tuple[int, str, datetime], tuple[datetime, str]] = {}
    clue_due = {}
    for step in Transition.objects.filter(
        event__in=events, to_state=_S.CLUE, due_at__isnull=False
    ).order_by("-at", "-pk"):
        clue_due[(step.event_id, step.at)] = step.due_at
    for prompt in Prompt.objects.filter(event__in=events):
        key = (prompt.event_id, prompt.kind, prompt.created_at)
        if prompt.due_at is not None:
            deadlines[key] = (prompt.due_at, _("the deadline it carries"))
        elif (prompt.event_id, prompt.created_at) in clue_due:
            deadlines[key] = (
                clue_due[(prompt.event_id, prompt.created_at)],
                _("the assignment deadline of the clue it formed (LM-13)"),
            )
    for request in ReviewRequest.objects.filter(
        event__in=events, answered_at__isnull=False
    ):
        deadlines[(request.event_id, NoticeKind.REVIEW_ANSWER, request.answered_at)] = (
            request.due_at,
            _("the answer deadline of the review request (LM-14)"),
        )
    return deadlines


def _unserved_reason(
    notice: Notice, served: date | None, due_at: datetime, source: str
) -> str:
    values = {
        "kind": notice.get_kind_display(),
        "decided": _beijing(notice.created_at),
        "due": _beijing(due_at),
        "source": source,
    }
    if served is not None:
        values["served"] = served.isoformat()
        return (
            _(
                "The %(kind)s decided %(decided)s was served on %(served)s, after "
                "%(due)s, %(source)s (LM-5, LM-28)."
            )
            % values
        )
    messages = list(notice.messages.all())
    failed = [m for m in messages if m.status == OutboxMessage.Status.FAILED]
    if failed:
        values["channels"] = ", ".join(sorted({m.kind for m in failed}))
        how = _("sending failed on %(channels)s") % values
    elif messages:
        how = _("no channel has sent it")
    else:
        how = _(
            "the unit has not consented to electronic service and no other "
            "service is recorded"
        )
    values["how"] = how
    return (
        _(
            "The %(kind)s decided %(decided)s was not served by %(due)s, "
            "%(source)s: %(how)s (LM-5, LM-28)."
        )
        % values
    )


# Procedures skipped ------------------------------------------------------------


def _skipped_steps(events: QuerySet[Event]) -> list[_Found]:
    steps: dict[int, list[Transition]] = defaultdict(list)
    for step in Transition.objects.filter(event__in=events).order_by("at", "pk"):
        steps[step.event_id].append(step)
    reports = {
        report.event_id: report for report in Report.objects.filter(event__in=events)
    }
    needs_review = set(
        Event.objects.filter(
            pk__in=events,
            scenario__requires_confirmation=True,
            scenario__urgent=False,
        ).values_list("pk", flat=True)
    )
    officers = set(
        Person.objects.filter(role=Person.Role.OFFICER).values_list("pk", flat=True)
    )
    notices = defaultdict(list)
    for notice in Notice.objects.filter(event__in=events).values(
        "event_id", "kind", "created_at"
    ):
        notices[notice["event_id"]].append(notice)

    found = []
    for event_id, story in steps.items():
        found.extend(_closed_without_report(story, reports.get(event_id)))
        found.extend(_without_investigation(story))
        if event_id in needs_review:
            found.extend(_without_confirmation(story, officers))
        found.extend(_without_notice(story, notices[event_id]))
    found.extend(_answers_not_sent(events, notices))
    found.extend(_untold_owner_changes(events))
    return found


def _closed_without_report(
    story: list[Transition], report: Report | None
) -> list[_Found]:
    closed = next((s for s in story if s.to_state == _S.CLOSED), None)
    if closed is None:
        return []
    if report is not None and report.outcome == Report.Outcome.RECTIFICATION_VERIFIED:
        return []
    if report is None:
        reason = _("Clue closed %(at)s without a report (IM-16).")
    else:
        reason = _(
            "Clue closed %(at)s though its report does not verify the "
            "rectification (IM-16)."
        )
    return [
        _Found(
            PROCEDURE_SKIPPED,
            closed.event_id,
            closed.person_id,
            closed.at,
            reason % {"at": _beijing(closed.at)},
        )
    ]


def _without_investigation(story: list[Transition]) -> list[_Found]:
    end = next((s for s in story if s.to_state in (_S.CLOSED, _S.CASE_FILED)), None)
    if end is None:
        return []
    if any(s.to_state == _S.INVESTIGATING and s.pk < end.pk for s in story):
        return []
    reason = (
        _("Clue closed %(at)s without an on-site investigation (LM-13, LM-17).")
        if end.to_state == _S.CLOSED
        else _("Case filed %(at)s without an on-site investigation (LM-13, LM-17).")
    )
    return [
        _Found(
            PROCEDURE_SKIPPED,
            end.event_id,
            end.person_id,
            end.at,
            reason % {"at": _beijing(end.at)},
        )
    ]


def _without_confirmation(story: list[Transition], officers: set[int]) -> list[_Found]:
    """Find a response to data a person must confirm that no officer confirmed."""
    sent = next((s for s in story if s.to_state in (*RESPONSE_STATES, _S.CLUE)), None)
    if sent is None:
        return []
    confirmed = next(
        (s for s in story if s.to_state == _S.CONFIRMED and s.pk < sent.pk),
        None,
    )
    if (
        confirmed is not None
        and confirmed.from_state == _S.AWAITING_REVIEW
        and confirmed.person_id in officers
    ):
        return []
    who = confirmed.actor if confirmed is not None else _("nobody")
    return [
        _Found(
            PROCEDURE_SKIPPED,
            sent.event_id,
            confirmed.person_id if confirmed is not None else sent.person_id,
            sent.at,
            _(
                "Event moved to %(state)s %(at)s from data a person must confirm, "
                "without a qualified officer's confirmation (confirmed by "
                "%(who)s) (IM-15, LM-9)."
            )
            % {"state": sent.to_state, "at": _beijing(sent.at), "who": who},
        )
    ]


def _without_notice(
    story: list[Transition], notices: list[dict[str, Any]]
) -> list[_Found]:
    found = []
    for step in story:
        if step.to_state not in RESPONSE_STATES:
            continue
        if any(
            n["kind"] in RESPONSE_NOTICES and n["created_at"] == step.at
            for n in notices
        ):
            continue
        found.append(
            _Found(
                PROCEDURE_SKIPPED,
                step.event_id,
                step.person_id,
                step.at,
                _(
                    "Event moved to %(state)s %(at)s but no notice was issued to "
                    "the unit (LM-12, LM-5)."
                )
                % {"state": step.to_state, "at": _beijing(step.at)},
            )
        )
    return found


def _answers_not_sent(
    events: QuerySet[Event], notices: dict[int, list[dict[str, Any]]]
) -> list[_Found]:
    found = []
    for request in ReviewRequest.objects.filter(
        event__in=events, answered_at__isnull=False
    ).order_by("answered_at", "pk"):
        if any(
            n["kind"] == NoticeKind.REVIEW_ANSWER
            and n["created_at"] == request.answered_at
            for n in notices[request.event_id]
        ):
            continue
        found.append(
            _Found(
                PROCEDURE_SKIPPED,
                request.event_id,
                request.answered_by_id,
                request.answered_at,
                _(
                    "Review request %(request)s was answered %(at)s but the unit "
                    "was not sent the answer (LM-14)."
                )
                % {"request": request.pk, "at": _beijing(request.answered_at)},
            )
        )
    return found


def _untold_owner_changes(events: QuerySet[Event]) -> list[_Found]:
    told = defaultdict(set)
    for notice in AuthorityNotice.objects.filter(
        event__in=events, kind=AuthorityNotice.Kind.CLUE_NOTICE
    ):
        told[(notice.event_id, notice.created_at)].add(notice.authority_id)
    found = []
    for change in OwnerChange.objects.filter(event__in=events).order_by("at", "pk"):
        concerned = {change.from_authority_id, change.to_authority_id}
        missing = concerned - told[(change.event_id, change.at)]
        if not missing:
            continue
        codes = ", ".join(
            sorted(
                Authority.objects.filter(pk__in=missing).values_list("code", flat=True)
            )
        )
        found.append(
            _Found(
                PROCEDURE_SKIPPED,
                change.event_id,
                change.person_id,
                change.at,
                _(
                    "Clue moved to another authority %(at)s without telling "
                    "%(codes)s (LM-15)."
                )
                % {"at": _beijing(change.at), "codes": codes},
            )
        )
    return found
