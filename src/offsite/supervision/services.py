"""Change events: the one transition function, taking check results, the sweep.

`transition` is the only code that writes an event's state and the times
that go with it (DESIGN.md, "Events"). `take_results` turns monitoring's
check results into events and moves them as far as the rules allow without
a person. `sweep` acts on what time alone decides: deadlines passed and
data back to normal.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps as django_apps
from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Max, Q
from django.utils.translation import gettext, gettext_noop

from offsite.audit.services import record
from offsite.calendar.deadlines import Due, due_after
from offsite.catalog.models import Scenario
from offsite.monitoring.models import CheckResult, Finding
from offsite.registry.models import Authority, Person, Unit
from offsite.supervision.lifecycle import SYSTEM, moves_from, who_may
from offsite.supervision.models import (
    FINAL_STATES,
    AuthorityNotice,
    DocumentCounter,
    Event,
    EventFinding,
    EventState,
    EvidenceFile,
    OwnerChange,
    Prompt,
    Report,
    ReviewRequest,
    Transition,
    UnitAnswer,
)
from offsite.supervision.queries import (
    events_due,
    legal_due,
    open_event,
    review_window_end,
    service_date,
)

logger = logging.getLogger(__name__)

BEIJING = ZoneInfo("Asia/Shanghai")

Actor = str | Person

# States a clue passes through before a case is filed: a review request that
# holds ends the event from any of them (LM-14).
REVIEW_ENDABLE = (
    EventState.CLUE,
    EventState.ASSIGNED,
    EventState.INVESTIGATING,
    EventState.REPORTED,
)


class Refused(ValueError):  # noqa: N818
    """An action a rule refuses; `forbidden` when the actor may not act at all.

    An interface answers a forbidden action with 403 and any other refusal
    (the event's state or history does not allow it) with 409.
    """

    def __init__(self, message: str, *, forbidden: bool = False, shown: str = ""):
        self.forbidden = forbidden
        self.shown = shown
        super().__init__(message)


class InputRefused(ValueError):  # noqa: N818
    """Input a rule refuses. The message names the field and the rule, in
    English, for interfaces and logs; `shown`, when given, says the same to
    the person on screen in their language (gettext at the time of refusal).
    """

    def __init__(self, message: str, *, shown: str = ""):
        self.shown = shown
        super().__init__(message)


def shown(error: Exception) -> str:
    """Return what a person is told of a refusal: its own words, else the rule."""
    return getattr(error, "shown", "") or str(error)


# The name is the contract other parts catch.
class TransitionRefused(Refused):
    """A move the lifecycle does not allow, or that the actor may not make."""

    def __init__(
        self,
        event: Event,
        from_state: str,
        to_state: str,
        reason: str,
        *,
        forbidden: bool = False,
    ):
        self.event_id = event.pk
        self.from_state = from_state
        self.to_state = to_state
        self.reason = reason
        super().__init__(
            f"event {event.pk} (unit {event.unit_id}, subject {event.subject!r}): "
            f"{from_state} → {to_state} refused: {reason}",
            forbidden=forbidden,
        )


# The transition ------------------------------------------------------------


def transition(
    event: Event,
    to_state: str,
    *,
    actor: Actor,
    at: datetime,
    reason: str = "",
) -> Event:
    """Move `event` to `to_state`, or raise `TransitionRefused`.

    Check the move against the lifecycle table and the actor's role and
    district, lock the row, stamp the time, compute the next deadline, and
    write the transition, the prompt a warning or order carries, and the
    audit entry, all in one transaction. A refused move writes nothing.
    Update `event` in place and return it.
    """
    _require_aware(at, "at")
    reason = _text(reason, "reason", most=REASON_MOST)

    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        from_state = locked.state
        _check_move(locked, from_state, to_state, actor)
        if actor != SYSTEM and at < locked.state_changed_at:
            # A person acts now; a step dated before the last one would
            # rewrite the record and the timeliness figures (IM-8, IM-18).
            raise TransitionRefused(
                locked, from_state, to_state, _backdated(at, locked.state_changed_at)
            )

        due = _due_for(locked, to_state, at)
        changes: dict[str, Any] = {
            "state": to_state,
            "state_changed_at": at,
            "due_at": due.at if due else None,
            "due_is_provisional": due.provisional if due else False,
            "finished_at": at if to_state in FINAL_STATES else None,
        }
        # The lock already serialises writers on PostgreSQL; the condition on
        # the state makes the write a compare-and-set everywhere else.
        written = Event.objects.filter(pk=locked.pk, state=from_state).update(**changes)
        if written != 1:
            raise TransitionRefused(
                locked, from_state, to_state, "the event changed state meanwhile"
            )
        for name, value in changes.items():
            setattr(locked, name, value)

        _record_step(locked, from_state, actor=actor, at=at, reason=reason)

    for name, value in changes.items():
        setattr(event, name, value)
    event.normal_since = locked.normal_since
    if due is not None:
        for warning in due.warnings:
            logger.warning("event=%s deadline provisional: %s", event.pk, warning)
    logger.info(
        "event=%s unit=%s %s→%s actor=%s due_at=%s",
        event.pk,
        event.unit_id,
        from_state,
        to_state,
        _actor_label(actor),
        _iso(changes["due_at"]),
    )
    return event


def _record_step(
    event: Event, from_state: str, *, actor: Actor, at: datetime, reason: str
) -> None:
    """Write the transition row, the prompt it sends and the audit entry."""
    person = actor if isinstance(actor, Person) else None
    step = Transition.objects.create(
        event=event,
        from_state=from_state,
        to_state=event.state,
        actor=_actor_label(actor),
        person=person,
        at=at,
        reason=reason,
        due_at=event.due_at,
    )
    prompt = None
    if event.state in (EventState.WARNED, EventState.ORDERED):
        prompt = _create_prompt(event, event.state, at)
    record(
        actor=_actor_label(actor),
        action="event.transition",
        object_type="event",
        object_id=event.pk,
        at=at,
        detail={
            "from": from_state,
            "to": event.state,
            "reason": reason,
            "due_at": _iso(event.due_at),
            "due_is_provisional": event.due_is_provisional,
            "transition": step.pk,
            "prompt": prompt.pk if prompt else None,
            "person": person.pk if person else None,
            "role": person.role if person else SYSTEM,
        },
    )


def _check_move(event: Event, from_state: str, to_state: str, actor: Actor) -> None:
    if to_state not in EventState.values:
        raise TransitionRefused(
            event, from_state, to_state, f"{to_state!r} is not an event state"
        )

    if isinstance(actor, Person) and not actor.is_staff_role:
        # A unit answers and asks for review; it never moves an event itself.
        raise TransitionRefused(
            event,
            from_state,
            to_state,
            f"actor {actor.user.get_username()} ({actor.role}) may not make this "
            "move; only an authority's staff move events (IM-15, IM-16)",
            forbidden=True,
        )

    allowed = who_may(from_state, to_state)
    if not allowed:
        onward = ", ".join(moves_from(from_state)) or "none, it is final"
        raise TransitionRefused(
            event,
            from_state,
            to_state,
            f"not allowed by the lifecycle (from {from_state}: {onward})",
        )

    if isinstance(actor, Person):
        kind = actor.role
        label = f"{actor.user.get_username()} ({actor.role})"
    elif actor == SYSTEM:
        kind, label = SYSTEM, SYSTEM
    else:
        raise TransitionRefused(
            event,
            from_state,
            to_state,
            f"actor {actor!r} is neither {SYSTEM!r} nor a person",
        )

    if kind not in allowed:
        who = ", ".join(sorted(allowed))
        rule = ""
        if to_state in (EventState.CONFIRMED, EventState.DISMISSED) and (
            from_state == EventState.AWAITING_REVIEW
        ):
            rule = " (LM-9, IM-15: only a qualified officer confirms or dismisses)"
        raise TransitionRefused(
            event,
            from_state,
            to_state,
            f"actor {label} may not make this move; only {who} may{rule}",
            forbidden=True,
        )

    if isinstance(actor, Person) and not _covers(actor.authority, event):
        raise TransitionRefused(
            event,
            from_state,
            to_state,
            f"actor {label} acts for {actor.authority} and the event is handled "
            f"by {event.owner} (LM-15)",
            forbidden=True,
        )

    _check_preconditions(event, from_state, to_state, actor, label)


def _check_preconditions(
    event: Event, from_state: str, to_state: str, actor: Actor, label: str
) -> None:
    """Refuse a move whose step has not happened: the record the move needs."""

    def refuse(reason: str, *, forbidden: bool = False) -> None:
        raise TransitionRefused(
            event, from_state, to_state, reason, forbidden=forbidden
        )

    if to_state == EventState.ASSIGNED and event.assignee_id is None:
        refuse("a clue is assigned to a named officer (LM-13: use assign)")
    if to_state in (EventState.INVESTIGATING, EventState.REPORTED) and (
        isinstance(actor, Person) and actor.pk != event.assignee_id
    ):
        refuse(
            f"actor {label} is not the officer the clue is assigned to "
            "(IM-16: whoever is assigned investigates and reports)",
            forbidden=True,
        )
    report = Report.objects.filter(event=event).first()
    if to_state == EventState.REPORTED and report is None:
        refuse("the clue has no report yet (IM-16: one report per clue)")
    if to_state == EventState.CLOSED and (
        report is None or report.outcome != Report.Outcome.RECTIFICATION_VERIFIED
    ):
        found = report.get_outcome_display() if report else "no report"
        refuse(
            "a clue is closed only when rectification is verified on site or a "
            f"case is filed (IM-16); the report says: {found}"
        )
    if to_state == EventState.CASE_FILED:
        pending = event.review_requests.filter(state=ReviewRequest.State.OPEN).first()
        if pending is not None:
            refuse(
                f"review request {pending.pk} is still open: answer it first, "
                "the unit's statement is heard before a case is filed (LM-14)"
            )
    if (
        to_state == EventState.ENDED
        and from_state in REVIEW_ENDABLE
        and not event.review_requests.filter(state=ReviewRequest.State.UPHELD).exists()
    ):
        refuse(
            "a clue ends early only when a review request holds (LM-14); "
            "otherwise it is closed after its report"
        )


def _covers(authority: Authority | None, event: Event) -> bool:
    """Return True if `authority` acts for the event's unit (LM-15)."""
    if authority is None:
        return False
    if authority.level == Authority.Level.CITY:
        return True
    return authority.pk == event.owner_id


def _actor_label(actor: Actor) -> str:
    if isinstance(actor, Person):
        return actor.user.get_username()
    return actor


# Deadlines ------------------------------------------------------------------


def _due_for(event: Event, to_state: str, at: datetime) -> Due | None:
    """Return the deadline that starts with `to_state`, or None."""
    if to_state == EventState.AWAITING_REVIEW:
        # LM-12: reviewed within 24 hours of the data's creation, not of the
        # moment the platform got round to filing it.
        return legal_due("review_hours", event.data_created_at)
    if to_state in (EventState.WARNED, EventState.ORDERED):
        return _rectification_due(event.scenario, event.pk, at)
    if to_state == EventState.CLUE:
        return legal_due("clue_assignment_hours", at)  # LM-13
    if to_state == EventState.ASSIGNED:
        return legal_due("investigation_working_days", at)  # LM-13 ¶1
    return None


def _rectification_due(scenario: Scenario, event_id: int, at: datetime) -> Due | None:
    value = scenario.rectification_period_value
    unit = scenario.rectification_period_unit
    if value is None or not unit:
        if scenario.family == Scenario.Family.CLUE_ON_WARNING:
            return None  # LM-13 ¶1: the warning forms a clue, no deadline to meet
        logger.warning(
            "event=%s scenario=%s has no rectification period: the warning or "
            "order carries no deadline and the event cannot go overdue",
            event_id,
            scenario.code,
        )
        return None
    return due_after(at, value, unit)


# Prompts --------------------------------------------------------------------


PROMPT_TITLES = {
    Prompt.Kind.IMMEDIATE_PROMPT: "紧急提示",
    Prompt.Kind.WARNING: "预警提示",
    Prompt.Kind.RECTIFICATION_ORDER: "责令限期改正通知书",
}


def _create_prompt(event: Event, to_state: str, at: datetime) -> Prompt:
    """Record the notice a warning or an order sends to the unit, and serve it.

    Only confirmed events reach here (IM-15). The notice and its outbox rows
    are written in the caller's transaction (DESIGN.md: the outbox), so a
    crash after deciding loses nothing and a rollback sends nothing.
    """
    scenario = event.scenario
    if scenario.urgent or scenario.procedure == Scenario.Procedure.IMMEDIATE_PROMPT:
        kind = Prompt.Kind.IMMEDIATE_PROMPT
    elif to_state == EventState.ORDERED:
        kind = Prompt.Kind.RECTIFICATION_ORDER
    else:
        kind = Prompt.Kind.WARNING
    number = ""
    if kind == Prompt.Kind.RECTIFICATION_ORDER:
        number = next_document_number(event.owner, at=at)
    text = _prompt_text(event, kind)
    if number:
        text = f"{number}\n{text}"
    prompt = Prompt.objects.create(
        event=event,
        unit=event.unit,
        kind=kind,
        created_at=at,
        due_at=event.due_at,
        text=text,
        document_number=number,
    )
    _issue_notice(
        unit=event.unit,
        kind=kind,
        title=PROMPT_TITLES[kind],
        body=text,
        at=at,
        event=event,
        document_number=number,
    )
    return prompt


# Beijing's district abbreviations in document numbers (京朝消限字…), by
# GB/T 2260 code. A local convention, not a regulation; an authority missing
# here uses the first character of its name.
DOCUMENT_ABBREVIATIONS = {
    "110000": "",
    "110101": "东",
    "110102": "西",
    "110105": "朝",
    "110106": "丰",
    "110107": "石",
    "110108": "海",
    "110109": "门",
    "110111": "房",
    "110112": "通",
    "110113": "顺",
    "110114": "昌",
    "110115": "兴",
    "110116": "怀",
    "110117": "平",
    "110118": "密",
    "110119": "延",
}


def next_document_number(authority: Authority, *, at: datetime) -> str:
    """Take the next rectification-order number of `authority` for the year.

    Numbers run from 0001 each year per authority, e.g. 京朝消限字〔2026〕第0001号.
    The counter row is incremented by one conditional UPDATE, which holds the
    row's lock until the caller's transaction ends, so two orders never get
    the same number; the unique constraint on the number backs that up.
    """
    year = at.astimezone(BEIJING).year
    counter, _ = DocumentCounter.objects.get_or_create(authority=authority, year=year)
    DocumentCounter.objects.filter(pk=counter.pk).update(
        last_number=F("last_number") + 1
    )
    number = DocumentCounter.objects.values_list("last_number", flat=True).get(
        pk=counter.pk
    )
    abbreviation = DOCUMENT_ABBREVIATIONS.get(authority.code, authority.name[:1])
    return f"京{abbreviation}消限字〔{year}〕第{number:04d}号"


def _issue_notice(
    *,
    unit: Unit,
    kind: str,
    title: str,
    body: str,
    at: datetime,
    event: Event | None = None,
    document_number: str = "",
) -> Any:
    """Hand a notice to electronic service (LM-5), in the caller's transaction.

    Until the `delivery` app is installed nothing is served: the prompt row
    stays the only record and a warning is logged.
    """
    if not django_apps.is_installed("offsite.delivery"):
        logger.warning(
            "event=%s unit=%s %s decided but not served: delivery is not installed",
            event.pk if event else None,
            unit.pk,
            kind,
        )
        return None
    from offsite.delivery import services as delivery

    return delivery.issue_notice(
        unit=unit,
        kind=kind,
        title=title,
        body=body,
        at=at,
        event=event,
        document_number=document_number,
    )


# How a subject reads in a notice to a unit: "point:east-gate" is 点位 east-gate.
SUBJECT_WORDS = {"point": "点位", "device": "设备"}


def subject_label(subject: str, words: dict[str, str] = SUBJECT_WORDS) -> str:
    """Return an event's subject as a notice names it to a person.

    A notice is in Chinese; a page passes the words of its own language.
    """
    kind, _, name = subject.partition(":")
    word = words.get(kind)
    return f"{word} {name}" if word and name else subject


def _prompt_text(event: Event, kind: str) -> str:
    what = f"{event.unit.name}：{event.scenario.name}（{subject_label(event.subject)}）"
    due = (
        event.due_at.astimezone(BEIJING).strftime("%Y年%m月%d日%H:%M")
        if event.due_at
        else None
    )
    if kind == Prompt.Kind.IMMEDIATE_PROMPT:
        return f"【紧急提示】{what}。请立即核实并处置。"
    if kind == Prompt.Kind.RECTIFICATION_ORDER:
        limit = f"请于{due}前改正" if due else "请限期改正"
        return f"【责令限期改正】{what}不符合消防安全要求，{limit}。"
    limit = f"请于{due}前自行整改" if due else "请及时自行整改"
    return f"【预警提示】{what}监测数据不符合消防安全要求，{limit}，使数据恢复正常。"


# Taking check results --------------------------------------------------------


@dataclass
class Taken:
    """What `take_results` did."""

    opened: list[Event] = field(default_factory=list)
    ended: list[Event] = field(default_factory=list)
    attached: int = 0
    attached_by_scenario: Counter[str] = field(default_factory=Counter)


def take_results(results: Sequence[CheckResult], *, at: datetime) -> Taken:
    """Turn check results into events and move them as far as rules allow.

    A breach or unknown result (LM-11: unknown is unqualified) attaches its
    finding to the open event of the same unit, scenario and subject, or
    opens one. A normal result ends a warned or ordered event whose data is
    back to normal before its deadline (LM-13 ¶2). Evaluation scenarios
    never open events (IM-12). A finding already taken is skipped.
    """
    _require_aware(at, "at")
    taken = Taken()
    for result in results:
        if result.outcome == CheckResult.Outcome.NORMAL:
            _take_normal(result, at=at, taken=taken)
        else:
            _take_breach(result, at=at, taken=taken)
    return taken


def _take_breach(result: CheckResult, *, at: datetime, taken: Taken) -> None:
    finding = (
        Finding.objects.select_related("scenario", "unit")
        .filter(check_result=result)
        .first()
    )
    if finding is None:
        logger.warning(
            "check_result=%s outcome=%s has no finding: nothing to supervise",
            result.pk,
            result.outcome,
        )
        return
    scenario = finding.scenario
    if scenario.family == Scenario.Family.EVALUATION:
        return
    if EventFinding.objects.filter(finding=finding).exists():
        return

    with transaction.atomic():
        event = open_event(finding.unit, scenario, finding.subject)
        if event is None:
            event = _open(finding, result, at=at)
            if event is not None:
                _link(event, finding, at=at)
                _advance(event, at=at)
                taken.opened.append(event)
                return
            event = open_event(finding.unit, scenario, finding.subject)
            if event is None:
                raise RuntimeError(
                    f"finding {finding.pk}: no open event for unit "
                    f"{finding.unit_id} {scenario.code} {finding.subject!r} after "
                    "a conflict on opening one"
                )

        _link(event, finding, at=at)
        # A new breach means the data is not normal any more (LM-13 ¶2).
        Event.objects.filter(pk=event.pk).update(normal_since=None)
        event.normal_since = None
        taken.attached += 1
        taken.attached_by_scenario[scenario.code] += 1


def _open(finding: Finding, result: CheckResult, *, at: datetime) -> Event | None:
    """Open an event for `finding`; return None if another opened it first."""
    try:
        with transaction.atomic():
            event = Event.objects.create(
                unit=finding.unit,
                scenario=finding.scenario,
                subject=finding.subject,
                # LM-15: a clue belongs to the district where the unit is.
                owner_id=finding.unit.district_id,
                state=EventState.DETECTED,
                data_created_at=result.received_at,
                observed_at=result.observed_at,
                opened_at=at,
                state_changed_at=at,
            )
    except IntegrityError:
        logger.info(
            "finding=%s unit=%s scenario=%s: an event was opened meanwhile; "
            "attaching to it",
            finding.pk,
            finding.unit_id,
            finding.scenario.code,
        )
        return None

    record(
        actor=SYSTEM,
        action="event.opened",
        object_type="event",
        object_id=event.pk,
        at=at,
        detail={
            "unit": event.unit_id,
            "scenario": event.scenario.code,
            "subject": event.subject,
            "finding": finding.pk,
            "outcome": finding.outcome,
        },
    )
    logger.info(
        "event=%s opened unit=%s scenario=%s subject=%s",
        event.pk,
        event.unit_id,
        event.scenario.code,
        event.subject,
    )
    return event


def _link(event: Event, finding: Finding, *, at: datetime) -> None:
    EventFinding.objects.create(event=event, finding=finding, attached_at=at)


def _advance(event: Event, *, at: datetime) -> None:
    """Move a new event as far as the scenario allows without a person."""
    scenario = event.scenario
    if scenario.urgent or not scenario.requires_confirmation:
        reason = (
            gettext_noop("urgent: the unit is prompted at once (LM-12)")
            if scenario.urgent
            else gettext_noop("system-decided result (LM-12)")
        )
        transition(event, EventState.CONFIRMED, actor=SYSTEM, at=at, reason=reason)
        respond(event, actor=SYSTEM, at=at)
        return

    transition(
        event,
        EventState.AWAITING_REVIEW,
        actor=SYSTEM,
        at=at,
        reason=gettext_noop(
            "a person must confirm the data before the unit is told (IM-15)"
        ),
    )


def respond(event: Event, *, actor: Actor, at: datetime) -> Event:
    """Send the response the scenario's procedure sets to a confirmed event.

    A warning or an immediate prompt makes it warned, a rectification order
    ordered, an on-site verification a clue (LM-12). For the scenarios of
    LM-13 ¶1 the warning then forms a clue at once.
    """
    scenario = event.scenario
    procedure = scenario.procedure
    if procedure == Scenario.Procedure.IMMEDIATE_PROMPT:
        to_state, reason = (
            EventState.WARNED,
            gettext_noop("immediate prompt sent (LM-12)"),
        )
    elif procedure == Scenario.Procedure.WARNING:
        to_state, reason = (
            EventState.WARNED,
            gettext_noop("warning prompt sent (LM-12)"),
        )
    elif procedure == Scenario.Procedure.RECTIFICATION_ORDER:
        to_state = EventState.ORDERED
        reason = gettext_noop("rectification order sent (LM-12)")
    elif procedure == Scenario.Procedure.ONSITE_VERIFICATION:
        to_state = EventState.CLUE
        reason = gettext_noop("on-site verification needed (LM-12)")
    else:
        logger.warning(
            "event=%s scenario=%s procedure=%s sends no response: it stays %s",
            event.pk,
            scenario.code,
            procedure,
            event.state,
        )
        return event

    transition(event, to_state, actor=actor, at=at, reason=reason)
    if (
        to_state == EventState.WARNED
        and scenario.family == Scenario.Family.CLUE_ON_WARNING
    ):
        transition(
            event,
            EventState.CLUE,
            actor=SYSTEM,
            at=at,
            reason=gettext_noop("the warning prompt forms a case clue (LM-13 ¶1)"),
        )
    return event


def _take_normal(result: CheckResult, *, at: datetime, taken: Taken) -> None:
    scenario = result.rule.scenario
    event = open_event(result.unit, scenario, result.subject)
    if event is None:
        return

    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if event.state in (EventState.WARNED, EventState.ORDERED):
            # Deadlines use the time the platform received the data
            # (DESIGN.md); data received after the deadline is too late, and
            # the sweep turns the event into a clue (LM-13 ¶2).
            if event.due_at is not None and result.received_at > event.due_at:
                logger.info(
                    "event=%s back to normal after its deadline: not ended",
                    event.pk,
                )
                return
            _mark_normal(event, result)
            transition(
                event,
                EventState.ENDED,
                actor=SYSTEM,
                at=at,
                reason=gettext_noop("data back to normal before the deadline"),
            )
            taken.ended.append(event)
        elif event.state not in FINAL_STATES:
            _mark_normal(event, result)


def _mark_normal(event: Event, result: CheckResult) -> None:
    if event.normal_since is None:
        Event.objects.filter(pk=event.pk).update(normal_since=result.observed_at)
        event.normal_since = result.observed_at


# Review (IM-15, LM-12) --------------------------------------------------------


def confirm(event: Event, *, actor: Person, at: datetime) -> Event:
    """Confirm an event awaiting review and send the scenario's response.

    Only a qualified officer confirms (LM-9, IM-15); the warning, order or
    clue follows in the same transaction, so nothing is half-done.
    """
    _require_aware(at, "at")
    with _Refreshing(event), transaction.atomic():
        transition(
            event,
            EventState.CONFIRMED,
            actor=actor,
            at=at,
            reason=gettext_noop("data confirmed by a qualified officer (IM-15)"),
        )
        respond(event, actor=actor, at=at)
    return event


def dismiss(event: Event, *, actor: Person, at: datetime, reason: str) -> Event:
    """Dismiss an event awaiting review as invalid data; the unit is never told."""
    _require_aware(at, "at")
    reason = _required_text(reason, "reason", most=REASON_MOST)
    return transition(event, EventState.DISMISSED, actor=actor, at=at, reason=reason)


# Answers with evidence (LM-13) -----------------------------------------------

# A local policy limit, not a regulation: large enough for photos and scanned
# records, small enough to keep an answer in one request.
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
MAX_EVIDENCE_FILES = 10

ANSWERABLE = (
    EventState.WARNED,
    EventState.ORDERED,
    EventState.OVERDUE,
    *REVIEW_ENDABLE,
)


def evidence_storage() -> Storage:
    """Return where evidence files go: Django's default storage.

    Settings leave MEDIA_ROOT empty, which would put files in the working
    directory; then a file system storage under OFFSITE_HOME/media is used.
    """
    if settings.MEDIA_ROOT:
        return default_storage
    return FileSystemStorage(location=settings.HOME / "media")


def answer(
    event: Event,
    *,
    actor: Person,
    at: datetime,
    text: str,
    evidence_files: Sequence[File] = (),
) -> UnitAnswer:
    """Record what the unit did about a warning or an order, with evidence.

    Each file is kept under its SHA-256 with its size; a file over
    `MAX_EVIDENCE_BYTES` or more than `MAX_EVIDENCE_FILES` files refuse the
    whole answer.
    """
    _require_aware(at, "at")
    _require_unit_user(actor, event, "answers")
    text = _required_text(text, "text")
    if len(evidence_files) > MAX_EVIDENCE_FILES:
        raise InputRefused(
            f"evidence_files: at most {MAX_EVIDENCE_FILES} files per answer, "
            f"got {len(evidence_files)}",
            shown=gettext("At most %(most)s files per answer; you sent %(got)s.")
            % {"most": MAX_EVIDENCE_FILES, "got": len(evidence_files)},
        )
    for index, upload in enumerate(evidence_files):
        if upload.size is None or upload.size > MAX_EVIDENCE_BYTES:
            raise InputRefused(
                f"evidence_files[{index}]: {upload.name!r} is {upload.size} bytes, "
                f"over the limit of {MAX_EVIDENCE_BYTES} bytes (10 MiB) per file",
                shown=gettext("“%(name)s” is over the limit of 10 MiB per file.")
                % {"name": upload.name},
            )
    if event.state not in ANSWERABLE:
        raise Refused(
            f"event {event.pk} is {event.state}: a unit answers a warning or an "
            "order that is still open (LM-13)",
            shown=gettext(
                "This event is %(state)s: a unit answers a warning or an order "
                "that is still open (LM-13)."
            )
            % {"state": EventState(event.state).label},
        )

    # Files are stored before the rows: a rollback leaves at most a file
    # named by its own hash, never a row pointing at nothing.
    stored = [_store_evidence(upload) for upload in evidence_files]
    with transaction.atomic():
        row = UnitAnswer.objects.create(event=event, person=actor, at=at, text=text)
        for upload, (path, digest, size) in zip(evidence_files, stored, strict=True):
            EvidenceFile.objects.create(
                answer=row,
                name=_file_name(upload),
                path=path,
                size_bytes=size,
                sha256=digest,
                content_type=_content_type(upload),
            )
        record(
            actor=_actor_label(actor),
            action="event.answered",
            object_type="event",
            object_id=event.pk,
            at=at,
            detail={"answer": row.pk, "files": [digest for _, digest, _ in stored]},
        )
    logger.info(
        "event=%s unit=%s answered files=%d", event.pk, event.unit_id, len(stored)
    )
    return row


def _store_evidence(upload: File) -> tuple[str, str, int]:
    digest = hashlib.sha256()
    size = 0
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    sha256 = digest.hexdigest()
    extension = os.path.splitext(upload.name or "")[1].lower()[:10]
    path = f"evidence/{sha256[:2]}/{sha256}{extension}"
    storage = evidence_storage()
    if not storage.exists(path):
        path = storage.save(path, upload)
    return path, sha256, size


def _file_name(upload: File) -> str:
    """Return the name the unit gave, cut to 200 characters keeping its type."""
    name = os.path.basename(upload.name or "").replace("\x00", "").strip()
    name = name or "evidence"
    if len(name) <= 200:
        return name
    stem, extension = os.path.splitext(name)
    extension = extension[:20]
    return stem[: 200 - len(extension)] + extension


def _content_type(upload: File) -> str:
    """Return the type the browser gave, if it is a plain `type/subtype`."""
    given = (getattr(upload, "content_type", "") or "").strip()
    if len(given) <= 100 and re.fullmatch(r"[\w.+-]+/[\w.+-]+", given):
        return given
    return "application/octet-stream"


def open_evidence(found: EvidenceFile) -> File:
    """Open a stored evidence file for reading."""
    return evidence_storage().open(found.path, "rb")


# Review requests (LM-14) -------------------------------------------------------

REVIEWABLE = (
    EventState.WARNED,
    EventState.ORDERED,
    EventState.OVERDUE,
    *REVIEW_ENDABLE,
)


def request_review(
    event: Event, *, actor: Person, at: datetime, statement: str
) -> ReviewRequest:
    """File the unit's request for review of a warning or an order (LM-14).

    Allowed within 15 days of the notice's service date, until a case is
    filed, one open request at a time. Due for an answer 3 working days after
    filing.
    """
    _require_aware(at, "at")
    _require_unit_user(actor, event, "asks for review")
    statement = _required_text(statement, "statement")

    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        _check_reviewable(locked)
        open_request = locked.review_requests.filter(
            state=ReviewRequest.State.OPEN
        ).first()
        if open_request is not None:
            raise Refused(
                f"event {locked.pk}: review request {open_request.pk} filed "
                f"{_beijing(open_request.filed_at)} is still open; one request "
                "at a time (LM-14)",
                shown=gettext(
                    "Your review request filed %(filed)s is still open; one "
                    "request at a time (LM-14)."
                )
                % {"filed": _minute(open_request.filed_at)},
            )

        served_on = service_date(locked)
        window_ends_at = review_window_end(served_on) if served_on else None
        if window_ends_at is not None and at > window_ends_at:
            raise Refused(
                f"event {locked.pk}: the review window ran 15 days from the "
                f"service date {served_on.isoformat()} to "
                f"{_beijing(window_ends_at)}; a request at {_beijing(at)} is "
                "too late (LM-14)",
                shown=gettext(
                    "Review could be asked for within 15 days of service, from "
                    "%(served)s to %(end)s; that time has passed (LM-14)."
                )
                % {"served": served_on.isoformat(), "end": _minute(window_ends_at)},
            )

        due = legal_due("review_request_answer_working_days", at)
        request = ReviewRequest.objects.create(
            event=locked,
            person=actor,
            filed_at=at,
            statement=statement,
            served_on=served_on,
            window_ends_at=window_ends_at,
            due_at=due.at,
            due_is_provisional=due.provisional,
        )
        record(
            actor=_actor_label(actor),
            action="event.review_requested",
            object_type="event",
            object_id=locked.pk,
            at=at,
            detail={
                "review_request": request.pk,
                "served_on": served_on.isoformat() if served_on else None,
                "window_ends_at": _iso(window_ends_at),
                "due_at": _iso(due.at),
            },
        )
    logger.info(
        "event=%s review_request=%s filed due_at=%s",
        event.pk,
        request.pk,
        _iso(request.due_at),
    )
    return request


def _check_reviewable(event: Event) -> None:
    if event.state == EventState.CASE_FILED:
        raise Refused(
            f"event {event.pk}: a case has been filed, which ends the review "
            "window; the statement is heard in the case procedure (LM-14)"
        )
    if event.state in FINAL_STATES:
        raise Refused(
            f"event {event.pk} is {event.state}: there is nothing left to review"
        )
    sent = event.prompts.filter(kind__in=Prompt.Kind.values).exists()
    if event.state not in REVIEWABLE or not sent:
        raise Refused(
            f"event {event.pk} is {event.state} and no warning or order has been "
            "sent: a review request answers a warning or an order (LM-14)"
        )


def answer_review(
    request: ReviewRequest,
    *,
    actor: Person,
    at: datetime,
    upheld: bool,
    reason: str,
) -> ReviewRequest:
    """Decide a review request and tell the unit (LM-14).

    Upheld: the order is revoked and the event ends. Refused: the unit is
    told why. Either way the answer is served as a notice.
    """
    _require_aware(at, "at")
    reason = _required_text(reason, "reason")
    if not isinstance(actor, Person) or actor.role != Person.Role.OFFICER:
        who = _actor_label(actor)
        raise Refused(
            f"actor {who} may not answer a review request: only a qualified "
            "officer decides it (LM-9, LM-14)",
            forbidden=True,
        )

    with transaction.atomic():
        request = ReviewRequest.objects.select_for_update().get(pk=request.pk)
        event = Event.objects.select_related("unit", "scenario", "owner").get(
            pk=request.event_id
        )
        if not _covers(actor.authority, event):
            raise Refused(
                f"actor {_actor_label(actor)} acts for {actor.authority} and event "
                f"{event.pk} is handled by {event.owner} (LM-15)",
                forbidden=True,
            )
        if request.state != ReviewRequest.State.OPEN:
            raise Refused(
                f"review request {request.pk} was already answered "
                f"({request.state}) at {_beijing(request.answered_at)}"
            )
        request.state = (
            ReviewRequest.State.UPHELD if upheld else ReviewRequest.State.REFUSED
        )
        request.answered_at = at
        request.answered_by = actor
        request.reason = reason
        request.save(update_fields=["state", "answered_at", "answered_by", "reason"])

        if upheld:
            transition(
                event,
                EventState.ENDED,
                actor=actor,
                at=at,
                reason=gettext_noop("review request upheld (LM-14)"),
            )
        _issue_notice(
            unit=event.unit,
            kind="review_answer",
            title="复核答复",
            body=_review_answer_text(event, request),
            at=at,
            event=event,
        )
        record(
            actor=_actor_label(actor),
            action="event.review_answered",
            object_type="event",
            object_id=event.pk,
            at=at,
            detail={
                "review_request": request.pk,
                "upheld": upheld,
                "reason": reason,
                "in_time": at <= request.due_at,
            },
        )
    logger.info("event=%s review_request=%s %s", event.pk, request.pk, request.state)
    return request


def _review_answer_text(event: Event, request: ReviewRequest) -> str:
    what = f"{event.unit.name}：{event.scenario.name}（{subject_label(event.subject)}）"
    if request.state == ReviewRequest.State.UPHELD:
        order = event.prompts.exclude(document_number="").first()
        revoked = (
            f"撤销《责令限期改正通知书》（{order.document_number}）"
            if order
            else "按照事件终结处理"
        )
        return f"【复核答复】{what}：经复核，您单位的复核申请理由成立，{revoked}。"
    return (
        f"【复核答复】{what}：经复核，您单位的复核申请理由不成立。"
        f"理由：{request.reason}"
    )


# Clues (IM-14, IM-16, LM-13, LM-15, LM-16) ------------------------------------

# LM-16: for facility, fire-lane and plan problems the local fire station is
# told to update its firefighting plan. The catalog has no flag for this
# yet, so the scenario codes are listed here.
STATION_PLAN_SCENARIOS = frozenset({"facility_status", "fire_lane", "emergency_plan"})


def take_over(event: Event, *, actor: Person, at: datetime, reason: str = "") -> Event:
    """Let the city handle a clue itself and tell the district (LM-15)."""
    from offsite.registry.queries import city

    return _change_owner(
        event,
        city(),
        kind=OwnerChange.Kind.TAKE_OVER,
        actor=actor,
        at=at,
        reason=reason,
    )


def designate(
    event: Event,
    *,
    actor: Person,
    district: Authority,
    at: datetime,
    reason: str = "",
) -> Event:
    """Let the city hand a clue to another district and tell both (LM-15)."""
    if district.level != Authority.Level.DISTRICT:
        raise ValueError(f"district: {district} is not a district authority")
    return _change_owner(
        event,
        district,
        kind=OwnerChange.Kind.DESIGNATE,
        actor=actor,
        at=at,
        reason=reason,
    )


def _change_owner(
    event: Event,
    to: Authority,
    *,
    kind: str,
    actor: Person,
    at: datetime,
    reason: str,
) -> Event:
    _require_aware(at, "at")
    reason = _text(reason, "reason", most=REASON_MOST)
    if not (
        isinstance(actor, Person)
        and actor.role in (Person.Role.DISPATCH_STAFF, Person.Role.OFFICER)
        and actor.authority is not None
        and actor.authority.level == Authority.Level.CITY
    ):
        raise Refused(
            f"actor {_actor_label(actor)} may not take over or designate a clue: "
            "only the city's dispatch staff or officers do (LM-15)",
            forbidden=True,
        )

    with transaction.atomic():
        locked = (
            Event.objects.select_for_update().select_related("owner").get(pk=event.pk)
        )
        if locked.state != EventState.CLUE:
            raise Refused(
                f"event {locked.pk} is {locked.state}: only a clue not yet "
                "assigned changes hands (LM-15)"
            )
        previous = locked.owner
        if previous.pk == to.pk:
            raise Refused(f"event {locked.pk} is already handled by {to} (LM-15)")
        last_change = locked.owner_changes.aggregate(last=Max("at"))["last"]
        latest = max(filter(None, (locked.state_changed_at, last_change)))
        if at < latest:
            # Checked under the lock: of two hand-overs sent at once, the
            # one stamped earlier but written later is refused, so the
            # owner history stays in time order (IM-8).
            raise Refused(_backdated(at, latest))
        Event.objects.filter(pk=locked.pk, owner=previous).update(owner=to)
        change = OwnerChange.objects.create(
            event=locked,
            kind=kind,
            from_authority=previous,
            to_authority=to,
            person=actor,
            at=at,
            reason=reason,
        )
        verb = (
            "由市消防监管部门直接办理"
            if kind == OwnerChange.Kind.TAKE_OVER
            else (f"指定由{to.name}管辖")
        )
        text = (
            f"【案件线索管辖】{locked.unit.name}：{locked.scenario.name}"
            f"（{subject_label(locked.subject)}）的案件线索{verb}（原管辖：{previous.name}）。"
        )
        for authority in {previous.pk: previous, to.pk: to}.values():
            AuthorityNotice.objects.create(
                event=locked,
                authority=authority,
                kind=AuthorityNotice.Kind.CLUE_NOTICE,
                text=text,
                created_at=at,
            )
        record(
            actor=_actor_label(actor),
            action=f"event.{kind}",
            object_type="event",
            object_id=locked.pk,
            at=at,
            detail={
                "owner_change": change.pk,
                "from": previous.code,
                "to": to.code,
                "reason": reason,
            },
        )
    event.owner = to
    event.owner_id = to.pk
    logger.info("event=%s %s %s→%s", event.pk, kind, previous.code, to.code)
    return event


def assign(event: Event, *, actor: Person, officer: Person, at: datetime) -> Event:
    """Assign a clue to a qualified officer of the authority handling it.

    The dispatch center assigns within 24 hours of the clue (LM-13); the
    on-site investigation is then due in 3 working days (LM-13 ¶1: "after
    filing"; the assignment is the filing, as LM-13 ¶3 assigns officers "to
    file and investigate"). For facility, fire-lane and plan problems the
    local fire station is told to update its plan (LM-16).
    """
    _require_aware(at, "at")
    if isinstance(actor, Person) and not _covers(actor.authority, event):
        raise Refused(
            f"actor {_actor_label(actor)} acts for {actor.authority} and event "
            f"{event.pk} is handled by {event.owner} (LM-15)",
            forbidden=True,
        )
    if not isinstance(officer, Person) or officer.role != Person.Role.OFFICER:
        raise Refused(
            f"officer: {_actor_label(officer)} is not a qualified officer; a clue "
            "is investigated by people qualified to enforce (LM-16, IM-16)"
        )
    if not _covers(officer.authority, event):
        raise Refused(
            f"officer: {_actor_label(officer)} acts for {officer.authority} and "
            f"event {event.pk} is handled by {event.owner} (LM-15)"
        )

    with _Refreshing(event), transaction.atomic():
        Event.objects.filter(pk=event.pk, state=EventState.CLUE).update(
            assignee=officer
        )
        event.assignee = officer
        transition(
            event,
            EventState.ASSIGNED,
            actor=actor,
            at=at,
            reason=f"assigned to {_actor_label(officer)} (LM-13)",
        )
        if event.scenario.code in STATION_PLAN_SCENARIOS:
            _tell_station(event, at=at)
    return event


def _tell_station(event: Event, *, at: datetime) -> AuthorityNotice:
    # The registry has no fire stations yet: the notice goes to the authority
    # handling the clue, which passes it to the station.
    return AuthorityNotice.objects.create(
        event=event,
        authority=event.owner,
        kind=AuthorityNotice.Kind.STATION_NOTICE,
        text=(
            f"【防消联勤】{event.unit.name}存在{event.scenario.name}问题"
            f"（{subject_label(event.subject)}），请告知属地消防救援站及时修订灭火预案（LM-16）。"
        ),
        created_at=at,
    )


def investigate(event: Event, *, actor: Person, at: datetime) -> Event:
    """Record that the assigned officer started the on-site investigation."""
    return transition(
        event,
        EventState.INVESTIGATING,
        actor=actor,
        at=at,
        reason=gettext_noop("on-site investigation started (LM-13, LM-16)"),
    )


def report(
    event: Event, *, actor: Person, at: datetime, text: str, outcome: str
) -> Report:
    """File the one report on a clue (IM-16: one piece of information, one report)."""
    _require_aware(at, "at")
    text = _required_text(text, "text")
    if outcome not in Report.Outcome.values:
        raise ValueError(
            f"outcome: must be one of {', '.join(Report.Outcome.values)}, "
            f"got {outcome!r}"
        )
    if not isinstance(actor, Person):
        raise Refused(
            f"actor {_actor_label(actor)} may not report: the assigned officer "
            "reports (IM-16)",
            forbidden=True,
        )
    existing = Report.objects.filter(event=event).select_related("officer").first()
    if existing is not None:
        raise Refused(_second_report(event, existing))

    try:
        with _Refreshing(event), transaction.atomic():
            row = Report.objects.create(
                event=event,
                officer=actor,
                at=at,
                text=text,
                outcome=outcome,
            )
            transition(
                event,
                EventState.REPORTED,
                actor=actor,
                at=at,
                reason=f"report filed: {row.get_outcome_display()} (IM-16)",
            )
    except IntegrityError:
        existing = Report.objects.select_related("officer").get(event=event)
        raise Refused(_second_report(event, existing)) from None
    return row


def _second_report(event: Event, existing: Report) -> str:
    return (
        f"event {event.pk} already has its report, filed {_beijing(existing.at)} "
        f"by {_actor_label(existing.officer)}; one piece of information, one "
        "report (IM-16)"
    )


def close(event: Event, *, actor: Person, at: datetime, reason: str = "") -> Event:
    """Close a reported clue whose rectification was verified on site (IM-16)."""
    return transition(
        event,
        EventState.CLOSED,
        actor=actor,
        at=at,
        reason=reason or gettext_noop("rectification verified on site (IM-16)"),
    )


def file_case(event: Event, *, actor: Person, at: datetime, reason: str = "") -> Event:
    """Hand a reported clue to enforcement as a case; ends the LM-14 window."""
    return transition(
        event,
        EventState.CASE_FILED,
        actor=actor,
        at=at,
        reason=reason or gettext_noop("case filed (LM-13, LM-14)"),
    )


# Helpers for actions -----------------------------------------------------------


class _Refreshing:
    """Reload an event from the database if the block fails half-way.

    `transition` updates the caller's copy in place; when a later step in the
    same transaction is refused, the rollback undoes the database but not the
    copy, so the copy is read again.
    """

    def __init__(self, event: Event):
        self.event = event

    def __enter__(self) -> Event:
        return self.event

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        if error is not None:
            self.event.refresh_from_db()


def _require_unit_user(actor: Person, event: Event, what: str) -> None:
    if (
        not isinstance(actor, Person)
        or actor.role != Person.Role.UNIT_USER
        or actor.unit_id != event.unit_id
    ):
        raise Refused(
            f"actor {_actor_label(actor)} may not act here: only a user of unit "
            f"{event.unit.name} {what} for it (LM-13, LM-14)",
            forbidden=True,
        )


# A unit's answer, a statement, a report: a few pages at most. A step's
# reason is one line on the timeline.
TEXT_MOST = 4000
REASON_MOST = 300


def _required_text(value: str, name: str, *, most: int = TEXT_MOST) -> str:
    value = _text(value, name, most=most)
    if not value:
        raise InputRefused(
            f"{name}: must not be empty",
            shown=gettext("Please write something: it must not be empty."),
        )
    return value


def _text(value: str, name: str, *, most: int) -> str:
    """Return text a person wrote, stripped; refuse what no record can keep."""
    value = (value or "").strip()
    if "\x00" in value:
        raise InputRefused(
            f"{name}: must not contain the NUL character",
            shown=gettext("The text holds a character that cannot be kept (NUL)."),
        )
    if len(value) > most:
        raise InputRefused(
            f"{name}: {len(value)} characters, at most {most}",
            shown=gettext("The text is %(length)s characters; at most %(most)s.")
            % {"length": len(value), "most": most},
        )
    return value


def _backdated(at: datetime, last: datetime) -> str:
    """Say why a step dated before the event's last one is refused."""
    return (
        f"at: {at.astimezone(BEIJING).isoformat()} is before the event's last "
        f"step at {last.astimezone(BEIJING).isoformat()}"
    )


def _minute(value: datetime) -> str:
    return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _beijing(value: datetime | None) -> str:
    if value is None:
        return "-"
    return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


# The sweep ------------------------------------------------------------------


@dataclass
class SweepReport:
    """What one sweep did, by action and by scenario code."""

    at: datetime
    actions: Counter[str] = field(default_factory=Counter)
    by_scenario: defaultdict[str, Counter[str]] = field(
        default_factory=lambda: defaultdict(Counter)
    )
    late: Counter[str] = field(default_factory=Counter)
    flagged: dict[str, list[int]] = field(
        default_factory=lambda: {name: [] for name in FLAGS}
    )
    time_rule_results: int = 0
    notes: list[str] = field(default_factory=list)

    def count(self, action: str, scenario_code: str, n: int = 1) -> None:
        if n:
            self.actions[action] += n
            self.by_scenario[scenario_code][action] += n

    def as_dict(self) -> dict[str, Any]:
        """Return the report as plain JSON-ready data, times in Beijing."""
        return {
            "at": self.at.astimezone(BEIJING).isoformat(),
            "actions": {
                name: self.actions[name]
                for name in ("opened", "attached", "ended", "overdue", "clue")
            },
            "by_scenario": {
                code: dict(sorted(counts.items()))
                for code, counts in sorted(self.by_scenario.items())
            },
            "late": {
                name: self.late[name]
                for name in ("awaiting_review", "clue", "assigned", "review_request")
            },
            "flagged": {name: list(ids) for name, ids in self.flagged.items()},
            "time_rule_results": self.time_rule_results,
            "notes": list(self.notes),
        }


# What the sweep flags for the dispatch center, and which deadline each
# misses: a review (LM-12, 24 h), an assignment (LM-13, 24 h), an on-site
# investigation (LM-13, 3 working days), a review answer (LM-14, 3 working
# days). The lists hold event ids, or review request ids for the last.
FLAGS = {
    "late_review": EventState.AWAITING_REVIEW,
    "unassigned_clue": EventState.CLUE,
    "uninvestigated_clue": EventState.ASSIGNED,
    "unanswered_review_request": "review_request",
}

# Time-based rules monitoring evaluates before the sweep acts on deadlines.
TIME_RULE_EVALUATORS = ("evaluate_silence", "evaluate_held")


def sweep(*, at: datetime) -> SweepReport:
    """Act on everything time decides, as of `at`.

    First let monitoring judge silence and held states and take those
    results. Then end warned and ordered events whose data is back to
    normal, and turn the ones past their deadline into clues (LM-13 ¶2).
    Each event is claimed in its own transaction, so several sweepers can
    run side by side and none acts twice. Late reviews, assignments,
    investigations and review answers are counted and flagged, not acted on
    (IM-18): they bind the authority, and oversight reads them.
    """
    _require_aware(at, "at")
    report = SweepReport(at=at)
    _evaluate_time_rules(report, at=at)
    _end_back_to_normal(report, at=at)
    _overdue_to_clue(report, at=at)
    _count_late(report, at=at)
    logger.info("sweep at=%s actions=%s", at.isoformat(), dict(report.actions))
    return report


def _evaluate_time_rules(report: SweepReport, *, at: datetime) -> None:
    try:
        from offsite.monitoring import services as monitoring
    except ImportError as exc:
        note = f"monitoring services unavailable ({exc}): silence not evaluated"
        logger.warning("sweep: %s", note)
        report.notes.append(note)
        return

    for name in TIME_RULE_EVALUATORS:
        evaluate = getattr(monitoring, name, None)
        if evaluate is None:
            note = f"monitoring has no {name}: those rules were not evaluated"
            logger.warning("sweep: %s", note)
            report.notes.append(note)
            continue
        results = evaluate(at=at)
        report.time_rule_results += len(results)
        taken = take_results(results, at=at)
        for event in taken.opened:
            report.count("opened", event.scenario.code)
        for code, n in taken.attached_by_scenario.items():
            report.count("attached", code, n)
        for event in taken.ended:
            report.count("ended", event.scenario.code)


RESPONDED = (EventState.WARNED, EventState.ORDERED)

# States whose deadline binds the authority, not the unit: a late one is an
# oversight figure (IM-18, LM-26), never a reason to move the event.
LATE_STATES = (EventState.AWAITING_REVIEW, EventState.CLUE, EventState.ASSIGNED)


def _end_back_to_normal(report: SweepReport, *, at: datetime) -> None:
    due = Q(state__in=RESPONDED, normal_since__isnull=False)
    for pk in _candidates(due):
        with transaction.atomic():
            event = _claim(pk, due)
            if event is None:
                continue
            transition(
                event,
                EventState.ENDED,
                actor=SYSTEM,
                at=at,
                reason=gettext_noop("data back to normal before the deadline"),
            )
        report.count("ended", event.scenario.code)


def _overdue_to_clue(report: SweepReport, *, at: datetime) -> None:
    due = Q(state__in=RESPONDED, normal_since__isnull=True, due_at__lte=at)
    for pk in _candidates(due):
        with transaction.atomic():
            event = _claim(pk, due)
            if event is None:
                continue
            transition(
                event,
                EventState.OVERDUE,
                actor=SYSTEM,
                at=at,
                reason=gettext_noop(
                    "deadline passed and the data is not back to normal"
                ),
            )
            transition(
                event,
                EventState.CLUE,
                actor=SYSTEM,
                at=at,
                reason=gettext_noop(
                    "an overdue warning or order forms a case clue (LM-13 ¶2)"
                ),
            )
        report.count("overdue", event.scenario.code)
        report.count("clue", event.scenario.code)


def _candidates(condition: Q) -> list[int]:
    return list(
        Event.objects.filter(condition)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)
    )


def _claim(pk: int, condition: Q) -> Event | None:
    """Lock one event that still meets `condition`, or return None.

    On PostgreSQL a row another sweeper holds is skipped, not waited for.
    SQLite has a single writer and this transaction began IMMEDIATE, so the
    re-check of the condition here sees every earlier sweeper's work.
    """
    events = Event.objects.filter(condition, pk=pk).select_related("scenario")
    if connection.features.has_select_for_update_skip_locked:
        events = events.select_for_update(skip_locked=True, of=("self",))
    return events.first()


def _count_late(report: SweepReport, *, at: datetime) -> None:
    late = (
        events_due(at)
        .filter(state__in=LATE_STATES)
        .values("state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in late:
        report.late[row["state"]] = row["n"]

    by_state = {state: name for name, state in FLAGS.items()}
    for pk, state in (
        events_due(at).filter(state__in=LATE_STATES).values_list("pk", "state")
    ):
        report.flagged[by_state[state]].append(pk)
    unanswered = list(
        ReviewRequest.objects.filter(state=ReviewRequest.State.OPEN, due_at__lt=at)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)
    )
    report.late["review_request"] = len(unanswered)
    report.flagged["unanswered_review_request"] = unanswered

    for name, ids in report.flagged.items():
        if ids:
            logger.warning(
                "sweep at=%s %s: %d (%s)",
                at.isoformat(),
                name,
                len(ids),
                ",".join(map(str, ids[:20])),
            )


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name}: must be timezone-aware, got {value.isoformat()}")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
