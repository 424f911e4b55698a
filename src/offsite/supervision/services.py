"""Change events: the one transition function, taking check results, the sweep.

`transition` is the only code that writes an event's state and the times
that go with it (DESIGN.md, "Events"). `take_results` turns monitoring's
check results into events and moves them as far as the rules allow without
a person. `sweep` acts on what time alone decides: deadlines passed and
data back to normal.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q

from offsite.audit.services import record
from offsite.calendar.deadlines import Due, due_after
from offsite.catalog import queries as catalog
from offsite.catalog.models import Scenario
from offsite.monitoring.models import CheckResult, Finding
from offsite.registry.models import Authority, Person
from offsite.supervision.lifecycle import SYSTEM, moves_from, who_may
from offsite.supervision.models import (
    FINAL_STATES,
    Event,
    EventFinding,
    EventState,
    Prompt,
    Transition,
)
from offsite.supervision.queries import events_due, open_event

logger = logging.getLogger(__name__)

BEIJING = ZoneInfo("Asia/Shanghai")

Actor = str | Person


# The name is the contract other parts catch.
class TransitionRefused(ValueError):  # noqa: N818
    """A move the lifecycle does not allow, or that the actor may not make."""

    def __init__(self, event: Event, from_state: str, to_state: str, reason: str):
        self.event_id = event.pk
        self.from_state = from_state
        self.to_state = to_state
        self.reason = reason
        super().__init__(
            f"event {event.pk} (unit {event.unit_id}, subject {event.subject!r}): "
            f"{from_state} → {to_state} refused: {reason}"
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

    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        from_state = locked.state
        _check_move(locked, from_state, to_state, actor)

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
        reason=reason[:300],
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
        )

    if isinstance(actor, Person) and not _covers(actor.authority, event):
        raise TransitionRefused(
            event,
            from_state,
            to_state,
            f"actor {label} acts for {actor.authority} and the unit is in "
            f"district {event.unit.district} (LM-15)",
        )


def _covers(authority: Authority | None, event: Event) -> bool:
    """Return True if `authority` acts for the event's unit (LM-15)."""
    if authority is None:
        return False
    if authority.level == Authority.Level.CITY:
        return True
    return authority.pk == event.unit.district_id


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
        return _legal_due("review_hours", event.data_created_at)
    if to_state in (EventState.WARNED, EventState.ORDERED):
        return _rectification_due(event.scenario, event.pk, at)
    if to_state == EventState.CLUE:
        return _legal_due("clue_assignment_hours", at)  # LM-13
    if to_state == EventState.ASSIGNED:
        return _legal_due("investigation_working_days", at)  # LM-13 ¶1
    return None


def _legal_due(code: str, start: datetime) -> Due:
    period = catalog.legal_period(code, on=start.astimezone(BEIJING).date())
    return due_after(start, period.value, period.unit)


def _rectification_due(scenario: Scenario, event_id: int, at: datetime) -> Due | None:
    value = scenario.rectification_period_value
    unit = scenario.rectification_period_unit
    if value is None or not unit:
        logger.warning(
            "event=%s scenario=%s has no rectification period: the warning or "
            "order carries no deadline and the event cannot go overdue",
            event_id,
            scenario.code,
        )
        return None
    return due_after(at, value, unit)


# Prompts --------------------------------------------------------------------


def _create_prompt(event: Event, to_state: str, at: datetime) -> Prompt:
    """Record the notice a warning or an order sends to the unit (LM-12)."""
    scenario = event.scenario
    if scenario.urgent or scenario.procedure == Scenario.Procedure.IMMEDIATE_PROMPT:
        kind = Prompt.Kind.IMMEDIATE_PROMPT
    elif to_state == EventState.ORDERED:
        kind = Prompt.Kind.RECTIFICATION_ORDER
    else:
        kind = Prompt.Kind.WARNING
    return Prompt.objects.create(
        event=event,
        unit=event.unit,
        kind=kind,
        created_at=at,
        due_at=event.due_at,
        text=_prompt_text(event, kind),
    )


def _prompt_text(event: Event, kind: str) -> str:
    what = f"{event.unit.name}：{event.scenario.name}（{event.subject}）"
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
    return f"【预警提示】{what}监测数据超出阈值，{limit}，使数据恢复正常。"


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
            "urgent: the unit is prompted at once (LM-12)"
            if scenario.urgent
            else "system-decided result (LM-12)"
        )
        transition(event, EventState.CONFIRMED, actor=SYSTEM, at=at, reason=reason)
        respond(event, actor=SYSTEM, at=at)
        return

    transition(
        event,
        EventState.AWAITING_REVIEW,
        actor=SYSTEM,
        at=at,
        reason="a person must confirm the data before the unit is told (IM-15)",
    )


def respond(event: Event, *, actor: Actor, at: datetime) -> Event:
    """Send the response the scenario's procedure sets to a confirmed event.

    A warning or an immediate prompt makes it warned, a rectification order
    ordered, an on-site verification a clue (LM-12). For the scenarios of
    LM-13 ¶1 the warning then forms a clue at once.
    """
    scenario = event.scenario
    procedure = scenario.procedure
    if procedure in (Scenario.Procedure.IMMEDIATE_PROMPT, Scenario.Procedure.WARNING):
        to_state, reason = EventState.WARNED, "warning prompt sent (LM-12)"
    elif procedure == Scenario.Procedure.RECTIFICATION_ORDER:
        to_state, reason = EventState.ORDERED, "rectification order sent (LM-12)"
    elif procedure == Scenario.Procedure.ONSITE_VERIFICATION:
        to_state, reason = EventState.CLUE, "on-site verification needed (LM-12)"
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
            reason="the warning prompt forms a case clue (LM-13 ¶1)",
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
                reason="data back to normal before the deadline",
            )
            taken.ended.append(event)
        elif event.state not in FINAL_STATES:
            _mark_normal(event, result)


def _mark_normal(event: Event, result: CheckResult) -> None:
    if event.normal_since is None:
        Event.objects.filter(pk=event.pk).update(normal_since=result.observed_at)
        event.normal_since = result.observed_at


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
                state: self.late[state]
                for state in ("awaiting_review", "clue", "assigned")
            },
            "time_rule_results": self.time_rule_results,
            "notes": list(self.notes),
        }


# Time-based rules monitoring evaluates before the sweep acts on deadlines.
TIME_RULE_EVALUATORS = ("evaluate_silence", "evaluate_held")


def sweep(*, at: datetime) -> SweepReport:
    """Act on everything time decides, as of `at`.

    First let monitoring judge silence and held states and take those
    results. Then end warned and ordered events whose data is back to
    normal, and turn the ones past their deadline into clues (LM-13 ¶2).
    Each event is claimed in its own transaction, so several sweepers can
    run side by side and none acts twice. Late reviews, assignments and
    investigations are counted, not acted on (IM-18).
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
                reason="data back to normal before the deadline",
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
                reason="deadline passed and the data is not back to normal",
            )
            transition(
                event,
                EventState.CLUE,
                actor=SYSTEM,
                at=at,
                reason="an overdue warning or order forms a case clue (LM-13 ¶2)",
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


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name}: must be timezone-aware, got {value.isoformat()}")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
