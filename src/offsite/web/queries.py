"""Read what a person may see: every console and portal page reads through here.

Scope is decided in the query, never only in the menu (DESIGN.md,
"Security"): the city's staff see every unit, a district's staff the units
of their district and the events their authority handles, a unit user their
own unit, a provider user the units their provider serves. A row outside
the scope is not found (404), not forbidden, so its existence is not told.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from offsite.audit.models import AuditEntry
from offsite.calendar.times import parse_day
from offsite.catalog.models import Rule, Scenario, Threshold
from offsite.delivery.models import Notice
from offsite.intake.models import RawRecord
from offsite.monitoring.models import Finding
from offsite.oversight import queries as oversight_part
from offsite.registry.models import Authority, Device, Person, Unit
from offsite.supervision.models import (
    FINAL_STATES,
    Event,
    EventState,
    EvidenceFile,
    Prompt,
    ReviewRequest,
)
from offsite.web.access import person_of

logger = logging.getLogger(__name__)

BEIJING = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Viewer:
    """A signed-in user and the person they act as (None for an administrator)."""

    user: Any
    person: Person | None

    @property
    def sees_everything(self) -> bool:
        """Say whether the viewer is the city or an administrator."""
        if self.person is None:
            return bool(self.user.is_superuser)
        return (
            self.person.is_staff_role
            and self.person.authority is not None
            and self.person.authority.level == Authority.Level.CITY
        )

    @property
    def district(self) -> Authority | None:
        """Return the district of a district's staff, else None."""
        person = self.person
        if person is None or not person.is_staff_role or person.authority is None:
            return None
        if person.authority.level == Authority.Level.DISTRICT:
            return person.authority
        return None

    @property
    def may_confirm(self) -> bool:
        """Only a qualified officer confirms or dismisses (LM-9, IM-15)."""
        return self.person is not None and self.person.may_confirm

    @property
    def may_assign(self) -> bool:
        """Dispatch staff and officers assign clues (LM-13)."""
        return self.person is not None and self.person.role in (
            Person.Role.DISPATCH_STAFF,
            Person.Role.OFFICER,
        )

    @property
    def may_answer_reviews(self) -> bool:
        """Only a qualified officer decides a review request (LM-14)."""
        return self.may_confirm

    @property
    def is_unit_user(self) -> bool:
        return self.person is not None and self.person.role == Person.Role.UNIT_USER


def viewer(user) -> Viewer:
    """Return the viewer for a signed-in user."""
    person = person_of(user)
    if person is not None:
        person = Person.objects.select_related(
            "authority", "unit", "provider", "user"
        ).get(pk=person.pk)
    return Viewer(user=user, person=person)


# Units and events -----------------------------------------------------------


def units(who: Viewer) -> QuerySet[Unit]:
    """Return the units the viewer may see."""
    rows = Unit.objects.select_related("district").order_by("district__code", "name")
    if who.sees_everything:
        return rows
    if who.district is not None:
        return rows.filter(district=who.district)
    person = who.person
    if person is not None and person.role == Person.Role.UNIT_USER:
        return rows.filter(pk=person.unit_id)
    if person is not None and person.role == Person.Role.PROVIDER_USER:
        return rows.filter(providers=person.provider_id)
    return rows.none()


def events(who: Viewer) -> QuerySet[Event]:
    """Return the events the viewer may see, newest first.

    A district sees the events of its units and those it was designated to
    handle (LM-15).
    """
    rows = Event.objects.select_related(
        "unit", "unit__district", "scenario", "owner", "assignee__user"
    ).order_by("-opened_at", "-pk")
    if who.sees_everything:
        return rows
    if who.district is not None:
        return rows.filter(Q(unit__district=who.district) | Q(owner=who.district))
    return rows.filter(unit__in=units(who))


def unit_events(who: Viewer) -> QuerySet[Event]:
    """Return what a unit or provider is shown: events the unit was told of.

    Events awaiting review or dismissed were never published to the unit
    (IM-15: nothing unconfirmed is published), so they are left out.
    """
    hidden = (EventState.DETECTED, EventState.AWAITING_REVIEW, EventState.DISMISSED)
    return events(who).exclude(state__in=hidden)


def event(who: Viewer, pk: int, *, for_unit: bool = False) -> Event:
    """Return one event in the viewer's scope, or raise Http404."""
    rows = unit_events(who) if for_unit else events(who)
    found = rows.filter(pk=pk).first()
    if found is None:
        raise Http404(f"no event {pk} in scope")
    return found


def evidence_file(who: Viewer, pk: int, *, for_unit: bool = False) -> EvidenceFile:
    """Return a file a unit attached to an answer on an event in scope, or 404."""
    rows = unit_events(who) if for_unit else events(who)
    found = (
        EvidenceFile.objects.filter(pk=pk, answer__event__in=rows.values("pk"))
        .select_related("answer__event")
        .first()
    )
    if found is None:
        raise Http404(f"no evidence file {pk} in scope")
    return found


def open_events(who: Viewer) -> QuerySet[Event]:
    return events(who).exclude(state__in=FINAL_STATES)


def review_queue(who: Viewer) -> QuerySet[Event]:
    """Return the events awaiting review, the one due first on top (LM-12)."""
    return events(who).filter(state=EventState.AWAITING_REVIEW).order_by("due_at", "pk")


def clues(who: Viewer) -> QuerySet[Event]:
    """Return the clues not yet assigned, the one due first on top (LM-13)."""
    return events(who).filter(state=EventState.CLUE).order_by("due_at", "pk")


def officers_for(event: Event) -> QuerySet[Person]:
    """Return the qualified officers who may take a clue (LM-15: its owner)."""
    owner = event.owner
    rows = Person.objects.filter(role=Person.Role.OFFICER).select_related("user")
    if owner.level == Authority.Level.CITY:
        return rows.filter(authority=owner).order_by("user__username")
    return rows.filter(Q(authority=owner) | Q(authority__level="city")).order_by(
        "user__username"
    )


# The dashboard ----------------------------------------------------------------


@dataclass
class Bar:
    """One bar of a chart: a label, a count and its share of the largest."""

    key: str
    label: str
    count: int
    percent: int = 0


@dataclass
class Dashboard:
    by_state: list[Bar]
    by_scenario: list[Bar]
    by_district: list[dict[str, Any]]
    open_total: int
    due_today: int
    overdue: int
    awaiting_review: int
    unassigned_clues: int
    open_review_requests: int


def _bars(rows: list[Bar]) -> list[Bar]:
    top = max((row.count for row in rows), default=0)
    for row in rows:
        row.percent = round(100 * row.count / top) if top else 0
    return rows


def beijing_day_bounds(at: datetime) -> tuple[datetime, datetime]:
    """Return the start and end of the Beijing day containing `at`."""
    local = at.astimezone(BEIJING)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


def dashboard(who: Viewer, *, at: datetime) -> Dashboard:
    """Count the open events of the viewer's scope by state, scenario, district."""
    rows = open_events(who)
    labels = dict(EventState.choices)
    by_state = [
        Bar(row["state"], str(labels.get(row["state"], row["state"])), row["n"])
        for row in rows.values("state").annotate(n=Count("pk")).order_by("-n", "state")
    ]
    by_scenario = [
        Bar(row["scenario__code"], row["scenario__code"], row["n"])
        for row in rows.values("scenario__code")
        .annotate(n=Count("pk"))
        .order_by("-n", "scenario__code")
    ]

    start, end = beijing_day_bounds(at)
    due_today = rows.filter(due_at__gte=max(start, at), due_at__lt=end).count()
    overdue = rows.filter(due_at__lt=at).count()

    district_rows: dict[str, dict[str, Any]] = {}
    for row in (
        rows.values(
            "unit__district__code", "unit__district__name", "unit__district__name_en"
        )
        .annotate(
            n=Count("pk"),
            late=Count("pk", filter=Q(due_at__lt=at)),
            review=Count("pk", filter=Q(state=EventState.AWAITING_REVIEW)),
            clue=Count("pk", filter=Q(state=EventState.CLUE)),
        )
        .order_by("unit__district__code")
    ):
        district_rows[row["unit__district__code"]] = {
            "code": row["unit__district__code"],
            "name": row["unit__district__name"],
            "name_en": row["unit__district__name_en"],
            "open": row["n"],
            "overdue": row["late"],
            "awaiting_review": row["review"],
            "clue": row["clue"],
        }
    top = max((r["open"] for r in district_rows.values()), default=0)
    for r in district_rows.values():
        r["percent"] = round(100 * r["open"] / top) if top else 0

    return Dashboard(
        by_state=_bars(by_state),
        by_scenario=_bars(by_scenario),
        by_district=list(district_rows.values()),
        open_total=rows.count(),
        due_today=due_today,
        overdue=overdue,
        awaiting_review=rows.filter(state=EventState.AWAITING_REVIEW).count(),
        unassigned_clues=rows.filter(state=EventState.CLUE).count(),
        open_review_requests=review_requests(who).count(),
    )


def scenario_names(language: str) -> dict[str, str]:
    """Return each scenario code's name in the language shown."""
    names: dict[str, str] = {}
    for code, name, name_en in Scenario.objects.order_by("version__number").values_list(
        "code", "name", "name_en"
    ):
        names[code] = name_en if language.startswith("en") and name_en else name
    return names


# Deadlines ----------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    due_at: datetime
    kind: str  # "event" or "review_request"
    event: Event
    request: ReviewRequest | None = None
    late: bool = False


def deadlines(who: Viewer, *, at: datetime, days: int = 14) -> list[Deadline]:
    """Return the deadlines of the next `days` days and every one already missed."""
    until = at + timedelta(days=days)
    found = [
        Deadline(e.due_at, "event", e, late=e.due_at < at)
        for e in open_events(who).filter(due_at__isnull=False, due_at__lte=until)
    ]
    for request in review_requests(who).filter(due_at__lte=until):
        found.append(
            Deadline(
                request.due_at,
                "review_request",
                request.event,
                request=request,
                late=request.due_at < at,
            )
        )
    found.sort(key=lambda d: (d.due_at, d.event.pk))
    return found


def review_requests(who: Viewer) -> QuerySet[ReviewRequest]:
    """Return the open review requests on events in scope, due first (LM-14)."""
    return (
        ReviewRequest.objects.filter(
            state=ReviewRequest.State.OPEN, event__in=events(who).values("pk")
        )
        .select_related("event", "event__unit", "event__scenario", "person__user")
        .order_by("due_at", "pk")
    )


# The data behind a finding (IM-8) ----------------------------------------------


@dataclass
class ThresholdShown:
    parameter: str
    value: str
    unit: str
    source: str
    local_policy_default: bool
    effective_from: str


@dataclass
class Evidence:
    """A finding and everything it stands on, back to the raw bytes (IM-8)."""

    finding: Finding
    rule: Rule
    detail: dict[str, Any]
    thresholds: list[ThresholdShown]
    observation: Any
    raw: RawRecord | None
    decoded: dict[str, Any] | None = None
    decode_error: str = ""
    payload_text: str = ""
    facts: list[dict[str, Any]] = field(default_factory=list)
    units_withheld: int = 0
    observations_in_scope: list[Any] = field(default_factory=list)


def evidence(who: Viewer, event: Event) -> list[Evidence]:
    """Return the findings of an event with their values, thresholds and raw data."""
    found = []
    links = event.links.select_related(
        "finding__check_result__rule__scenario",
        "finding__check_result__observation__raw_record",
        "finding__check_result__observation__point",
    ).order_by("attached_at", "pk")
    for link in links:
        finding = link.finding
        result = finding.check_result
        detail = dict(result.detail or {})
        shown = [
            ThresholdShown(
                parameter=str(t.get("parameter", "")),
                value=str(t.get("value", "")),
                unit=str(t.get("unit", "")),
                source=str(t.get("source", "")),
                local_policy_default=bool(t.get("local_policy_default")),
                effective_from=str(t.get("effective_from", "")),
            )
            for t in detail.pop("thresholds", []) or []
        ]
        if not shown:
            # An older result may not carry its thresholds: read those in
            # force on the day the data describes.
            shown = _thresholds_in_force(result.rule, finding.observed_at)
        observation = result.observation
        raw = observation.raw_record if observation is not None else None
        item = Evidence(
            finding=finding,
            rule=result.rule,
            detail=detail,
            thresholds=shown,
            observation=observation,
            raw=raw,
        )
        if raw is not None:
            _read_raw(who, item, raw)
        found.append(item)
    return found


def _thresholds_in_force(rule: Rule, at: datetime) -> list[ThresholdShown]:
    day = at.astimezone(BEIJING).date()
    rows = Threshold.objects.filter(rule=rule, effective_from__lte=day).order_by(
        "parameter", "-effective_from"
    )
    seen: set[str] = set()
    shown = []
    for row in rows:
        if row.parameter in seen:
            continue
        seen.add(row.parameter)
        shown.append(
            ThresholdShown(
                parameter=row.parameter,
                value=f"{row.value.normalize():f}",
                unit=row.unit,
                source=row.source,
                local_policy_default=row.is_local_policy_default,
                effective_from=row.effective_from.isoformat(),
            )
        )
    return shown


GB26875_SOURCES = (RawRecord.Source.GB26875_TCP, RawRecord.Source.REPLAY)


def _read_raw(who: Viewer, item: Evidence, raw: RawRecord) -> None:
    """Decode a frame with the codec, or show a JSON body as it came.

    A provider's batch may carry data of units in several districts. A
    viewer who may not see all of them gets only the observations of their
    own units from it, not the body (IM-8 traces, scope still holds).
    """
    if not who.sees_everything:
        _withhold_others(who, item, raw)
        if item.units_withheld:
            return
    payload = bytes(raw.payload)
    if raw.source in GB26875_SOURCES:
        from offsite.protocols import gb26875

        try:
            item.decoded = gb26875.describe(gb26875.decode(payload))
        except Exception as error:  # any codec error: show why, keep the bytes
            item.decode_error = f"{type(error).__name__}: {error}"
        else:
            item.facts = list(item.decoded.get("facts", []))
        return
    try:
        item.payload_text = json.dumps(
            json.loads(payload), ensure_ascii=False, indent=2
        )
    except (UnicodeDecodeError, ValueError):
        item.payload_text = payload.hex()


def _withhold_others(who: Viewer, item: Evidence, raw: RawRecord) -> None:
    """Note how many units of `raw` are outside the viewer's reading, and the
    observations of those inside, when any is outside."""
    allowed = _readable_units(who, raw).values("pk")
    item.units_withheld = _units_of(raw).exclude(pk__in=allowed).count()
    if item.units_withheld:
        item.observations_in_scope = list(
            raw.observations.filter(device__unit__in=allowed)
            .select_related("device__unit", "point")
            .order_by("pk")
        )


def _readable_units(who: Viewer, raw: RawRecord) -> QuerySet[Unit]:
    """Return the units whose data in `raw` a viewer short of the city may read.

    The units they may see, and the unit of an event they may see that
    stands on this record: a district designated to handle another
    district's clue reads the data behind that clue (LM-15), no more.
    """
    behind = events(who).filter(
        links__finding__check_result__observation__raw_record=raw
    )
    return Unit.objects.filter(
        Q(pk__in=units(who).values("pk")) | Q(pk__in=behind.values("unit_id"))
    )


def _units_of(raw: RawRecord) -> QuerySet[Unit]:
    """Return the units a raw record carries data of, by device or observation."""
    return Unit.objects.filter(
        Q(devices__raw_records=raw) | Q(devices__observations__raw_record=raw)
    ).distinct()


def raw_record(who: Viewer, pk: int) -> RawRecord:
    """Return one raw record in the viewer's scope, or raise Http404.

    In scope: the city sees every record, rejected ones with no device
    included; others see a record whose device, or one of whose
    observations' devices, belongs to a unit they may see, and a record an
    event they may see stands on.
    """
    rows = RawRecord.objects.filter(pk=pk).select_related("device__unit")
    if not who.sees_everything:
        in_scope = units(who)
        behind_events = RawRecord.objects.filter(
            observations__check_results__finding__event_link__event__in=events(who)
        )
        rows = rows.filter(
            Q(device__unit__in=in_scope)
            | Q(observations__device__unit__in=in_scope)
            | Q(pk__in=behind_events.values("pk"))
        ).distinct()
    found = rows.first()
    if found is None:
        raise Http404(f"no raw record {pk} in scope")
    return found


def decode_raw(who: Viewer, raw: RawRecord) -> Evidence:
    """Return a raw record read for display, without a finding."""
    item = Evidence(
        finding=None, rule=None, detail={}, thresholds=[], observation=None, raw=raw
    )
    _read_raw(who, item, raw)
    return item


# Notices, the portal --------------------------------------------------------------


def notices(who: Viewer) -> QuerySet[Notice]:
    """Return the notices in scope, newest first."""
    rows = Notice.objects.select_related("unit", "event").order_by("-created_at", "-pk")
    if who.sees_everything:
        return rows
    if who.district is not None:
        return rows.filter(unit__district=who.district)
    return rows.filter(unit__in=units(who))


def notice(who: Viewer, pk: int) -> Notice:
    found = notices(who).filter(pk=pk).first()
    if found is None:
        raise Http404(f"no notice {pk} in scope")
    return found


@dataclass(frozen=True)
class DeviceStatus:
    device: Device
    last_received_at: datetime | None
    last_observed_at: datetime | None
    observations: int


def device_status(unit: Unit) -> list[DeviceStatus]:
    """Return each device of a unit with its latest observation's times.

    Each figure is its own subquery: joining observations twice would
    multiply the counts.
    """
    from offsite.intake.models import Observation

    of_device = Observation.objects.filter(device=OuterRef("pk"))
    latest = of_device.order_by()
    devices = (
        Device.objects.filter(unit=unit)
        .annotate(
            last_received=Subquery(
                latest.order_by("-received_at").values("received_at")[:1]
            ),
            last_observed=Subquery(
                latest.order_by("-observed_at").values("observed_at")[:1]
            ),
            observation_count=Subquery(
                of_device.order_by()
                .values("device")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
        )
        .order_by("pk")
    )
    return [
        DeviceStatus(d, d.last_received, d.last_observed, d.observation_count or 0)
        for d in devices
    ]


def open_prompts(unit: Unit) -> QuerySet[Prompt]:
    """Return the warnings and orders on the unit's open events, due first."""
    return (
        Prompt.objects.filter(unit=unit)
        .exclude(event__state__in=FINAL_STATES)
        .select_related("event", "event__scenario")
        .order_by("due_at", "pk")
    )


# Oversight (IM-18..20, LM-26..28) -----------------------------------------------------


@dataclass
class Oversight:
    """What the oversight page shows: both figure tables and the situations."""

    period: oversight_part.Period
    by_authority: list[oversight_part.FigureRow]
    by_officer: list[oversight_part.FigureRow]
    situations: list[oversight_part.Situation]

    @property
    def measures(self) -> list[tuple[str, Any]]:
        """Return each duty's name and its label, in the reader's language."""
        return list(oversight_part.MEASURE_LABELS.items())


def oversight(
    who: Viewer,
    *,
    at: datetime,
    first_day: str | None = None,
    last_day: str | None = None,
) -> Oversight:
    """Read the oversight figures and situations of the events in scope.

    Everything is computed in `oversight.queries` from the stored rows;
    the period defaults to the calendar year of `at`. A bad date raises
    ValueError naming the field.
    """
    span = oversight_part.period(
        parse_day(first_day, "from"),
        parse_day(last_day, "to"),
        at=at,
    )
    scope = events(who)
    return Oversight(
        period=span,
        by_authority=oversight_part.figures(scope, span, at=at),
        by_officer=oversight_part.figures(
            scope, span, at=at, by=oversight_part.BY_OFFICER
        ),
        situations=oversight_part.situations(scope, span, at=at),
    )


# The operation log (IM-8) -------------------------------------------------------


def audit_entries(who: Viewer) -> QuerySet[AuditEntry]:
    """Return the operation log entries about things in scope, newest first.

    The city sees the whole log; a district sees the entries about its
    units, their events and their notices.
    """
    rows = AuditEntry.objects.order_by("-at", "-pk")
    if who.sees_everything:
        return rows
    event_ids = [str(pk) for pk in events(who).values_list("pk", flat=True)]
    unit_ids = [str(pk) for pk in units(who).values_list("pk", flat=True)]
    notice_ids = [str(pk) for pk in notices(who).values_list("pk", flat=True)]
    return rows.filter(
        Q(object_type="event", object_id__in=event_ids)
        | Q(object_type="unit", object_id__in=unit_ids)
        | Q(object_type="notice", object_id__in=notice_ids)
    )


def counts_by_state(rows: QuerySet[Event]) -> Counter[str]:
    return Counter(dict(rows.values_list("state").annotate(n=Count("pk"))))
