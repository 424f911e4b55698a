"""Evaluate observations against the catalog's rules.

Every evaluation leaves a check result (the off-site inspection record,
LM-9); a breach or an unknown result also leaves a finding. A result is
three-valued: data that cannot be judged is unknown, and unknown is
unqualified, never a silent pass (LM-11).

Rules that depend on time passing (silence, a state held for a duration, a
value out of range for a duration) are judged when data arrives if it can
already be decided, and otherwise by `evaluate_silence` and
`evaluate_held`, which the sweeper runs.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.utils import timezone

from offsite.catalog import queries as catalog
from offsite.catalog.models import (
    ANY_OBSERVATION,
    PLATFORM_NOTES,
    RULE_PARAMETERS,
    Rule,
)
from offsite.intake import bulk
from offsite.intake.models import Observation, RawRecord
from offsite.monitoring.models import CheckResult, Finding
from offsite.registry.models import Device, Point

logger = logging.getLogger(__name__)

BREACH = CheckResult.Outcome.BREACH
NORMAL = CheckResult.Outcome.NORMAL
UNKNOWN = CheckResult.Outcome.UNKNOWN

# Kinds judged value by value when an observation arrives.
ON_ARRIVAL = {
    Rule.Kind.STATE,
    Rule.Kind.REGISTRY_FACT,
    Rule.Kind.STATE_HELD,
    Rule.Kind.NUMERIC_RANGE,
    Rule.Kind.COUNT_IN_WINDOW,
    Rule.Kind.RATIO,
}


def subject_of(observation: Observation) -> str:
    """Name what a result is about: the point, else the device."""
    if observation.point_id is not None:
        return f"point:{observation.point.code}"
    return device_subject(observation.device)


def device_subject(device: Device) -> str:
    return f"device:{device.source_address or device.provider_device_id or device.pk}"


def evaluate(observations: Sequence[Observation], *, at: datetime) -> list[CheckResult]:
    """Judge each observation by every rule that reads it."""
    return evaluate_batch([(observations, at)])[0]


def evaluate_batch(
    groups: Sequence[tuple[Sequence[Observation], datetime]],
) -> list[list[CheckResult]]:
    """Judge groups of saved observations in order, as `evaluate` would each.

    A group is what one raw record said, judged at its own time. What
    `evaluate` would otherwise look up for every observation (the last
    silence result of each device, the latest state of every point a ratio
    counts) is read once for the whole batch and carried from group to
    group in memory; the results are written together. Return each group's
    results.
    """
    batch = _Batch(groups)
    per_group: list[list[CheckResult]] = []
    unsaved: list[CheckResult] = []
    for observations, at in groups:
        if batch.reads_results(observations):
            # A reset reads the check results of the groups before it.
            _save(unsaved)
            unsaved = []
        results = batch.judge(observations, at=at)
        per_group.append(results)
        unsaved.extend(results)
    _save(unsaved)
    return per_group


SilenceKey = tuple[int, int, str]  # rule, unit, subject
RatioKey = tuple[str, int]  # observation name, device


class _Batch:
    """What a batch of observations is judged with, read once for all of it.

    `silence` holds the last outcome of each silence rule per device that
    has one. A ratio counts the latest value of each point stored before the
    batch, then the batch's own values group by group, over the device's
    points as registered once the batch's new points are.
    """

    def __init__(self, groups: Sequence[tuple[Sequence[Observation], datetime]]):
        self.rules: dict[str, list[Rule]] = {}
        self.days: dict[datetime, date] = {}
        self.limits: dict[tuple[int, date], dict] = {}
        observations = [o for group, _ in groups for o in group]
        for observation in observations:
            if observation.name not in self.rules:
                self.rules[observation.name] = catalog.rules_for_observation(
                    observation.name
                )
        self.silence = self._last_silence_outcomes(observations)
        self.ratio = self._ratio_state(observations)

    def reads_results(self, observations: Sequence[Observation]) -> bool:
        return any(
            observation.value_bool is True
            and any(r.kind == Rule.Kind.RESET for r in self.rules[observation.name])
            for observation in observations
        )

    def judge(
        self, observations: Sequence[Observation], *, at: datetime
    ) -> list[CheckResult]:
        self._apply_ratio_values(observations)
        results: list[CheckResult] = []
        for observation in observations:
            for rule in self.rules[observation.name]:
                if rule.kind == Rule.Kind.SILENCE:
                    result = self._end_of_silence(rule, observation, at=at)
                elif rule.kind == Rule.Kind.RESET:
                    results.extend(_reset(rule, observation, at=at))
                    continue
                elif rule.kind in ON_ARRIVAL:
                    result = _judge(rule, observation, at=at, batch=self)
                else:
                    result = None
                if result is not None:
                    results.append(result)
        for result in results:
            if result.rule.kind == Rule.Kind.SILENCE:
                key = (result.rule.pk, result.unit_id, result.subject)
                self.silence[key] = result.outcome
        return results

    def thresholds(self, rule: Rule, observed_at: datetime) -> dict:
        day = self.days.get(observed_at)
        if day is None:
            day = self.days[observed_at] = timezone.localdate(observed_at)
        limits = self.limits.get((rule.pk, day))
        if limits is None:
            limits = self.limits[(rule.pk, day)] = catalog.thresholds(rule, day)
        return limits

    def ratio_points(self, observation: Observation) -> _PointStates:
        return self.ratio[(observation.name, observation.device_id)]

    def _end_of_silence(
        self, rule: Rule, observation: Observation, *, at: datetime
    ) -> CheckResult | None:
        """Data arriving ends a silence that was judged a breach."""
        if not self.silence:
            return None
        subject = device_subject(observation.device)
        last = self.silence.get((rule.pk, observation.device.unit_id, subject))
        if last not in (BREACH, UNKNOWN):
            return None
        return _result(
            rule,
            NORMAL,
            device=observation.device,
            point=None,
            subject=subject,
            observation=observation,
            observed_at=observation.observed_at,
            received_at=observation.received_at,
            at=at,
            detail={"value": observation.value, "why": "data arrived"},
        )

    def _last_silence_outcomes(
        self, observations: Sequence[Observation]
    ) -> dict[SilenceKey, str | None]:
        """Read the last result of each silence rule for the batch's devices."""
        names: dict[int, set[str]] = {}
        devices: dict[int, Device] = {}
        for observation in observations:
            names.setdefault(observation.device_id, set()).add(observation.name)
            devices[observation.device_id] = observation.device
        keys = {
            (rule.pk, devices[device_id].unit_id, device_subject(devices[device_id]))
            for device_id, device_names in names.items()
            for name in device_names
            for rule in self.rules[name]
            if rule.kind == Rule.Kind.SILENCE
        }
        if not keys:
            return {}
        latest = (
            CheckResult.objects.filter(
                rule_id__in={rule for rule, _, _ in keys},
                unit_id__in={unit for _, unit, _ in keys},
                subject__in={subject for _, _, subject in keys},
            )
            .values("rule", "unit", "subject")
            .annotate(last=Max("id"))
            .values("last")
        )
        return {
            (rule, unit, subject): outcome
            for rule, unit, subject, outcome in CheckResult.objects.filter(
                id__in=Subquery(latest)
            ).values_list("rule_id", "unit_id", "subject", "outcome")
            if (rule, unit, subject) in keys
        }

    def _ratio_state(
        self, observations: Sequence[Observation]
    ) -> dict[RatioKey, _PointStates]:
        """Read what a ratio needs of the devices it judges in this batch.

        That is the number of points of each device, and the latest value
        of each point whose latest value is true or which the batch reports
        on. The latest value is the one the device last reported by its own
        clock (DESIGN.md: evaluation uses the time the data describes), the
        later received of two with the same time; the index on (point, name,
        observed_at) finds it without reading the point's history.
        """
        names = {
            rule.observation_name
            for rules in self.rules.values()
            for rule in rules
            if rule.kind == Rule.Kind.RATIO
        }
        wanted = {(o.name, o.device_id) for o in observations if o.name in names}
        if not wanted:
            return {}
        before = min(o.pk for o in observations)
        devices = {device for _, device in wanted}
        counts = dict(
            Point.objects.filter(device_id__in=devices)
            .values("device")
            .annotate(n=Count("id"))
            .values_list("device", "n")
        )
        state = {
            (name, device): _PointStates(points=counts.get(device, 0))
            for name, device in wanted
        }
        for name in {name for name, _ in wanted}:
            touched = {
                o.point_id
                for o in observations
                if o.name == name and o.point_id is not None
            }
            latest = Observation.objects.filter(
                point=OuterRef("pk"), name=name, id__lt=before
            ).order_by("-observed_at", "-id")[:1]
            points = (
                Point.objects.filter(
                    device_id__in={device for n, device in wanted if n == name}
                )
                .annotate(latest=Subquery(latest.values("value_bool")))
                .filter(Q(latest=True) | Q(id__in=touched))
                .annotate(
                    latest_at=Subquery(latest.values("observed_at")),
                    latest_id=Subquery(latest.values("id")),
                )
                .values_list("device_id", "id", "latest_at", "latest_id", "latest")
            )
            for device_id, point_id, at, observation_id, value in points:
                if observation_id is not None:
                    state[(name, device_id)].latest[point_id] = (
                        at,
                        observation_id,
                        value,
                    )
        return state

    def _apply_ratio_values(self, observations: Sequence[Observation]) -> None:
        for observation in observations:
            states = self.ratio.get((observation.name, observation.device_id))
            if states is None or observation.point_id is None:
                continue
            held = states.latest.get(observation.point_id)
            if held is None or (held[0], held[1]) <= (
                observation.observed_at,
                observation.pk,
            ):
                states.latest[observation.point_id] = (
                    observation.observed_at,
                    observation.pk,
                    observation.value_bool,
                )


@dataclass
class _PointStates:
    """The points of one device a ratio counts: how many, and the latest values.

    `latest` holds (observed at, observation id, value) for every point whose
    latest value is true; a point absent from it is not counted as true.
    """

    points: int
    latest: dict[int, tuple[datetime, int, bool | None]] = field(default_factory=dict)

    def true_count(self) -> int:
        return sum(1 for _, _, value in self.latest.values() if value)


def _in_force(rule: Rule, limits: dict) -> bool:
    """Tell whether the rule's numbers were in force on the data's date.

    A threshold applies from its effective date; data from before it is not
    judged by that rule at all, rather than judged by a number that did not
    yet exist.
    """
    needs = RULE_PARAMETERS[rule.kind]
    if not needs.required <= limits.keys():
        return False
    return not needs.one_of or bool(needs.one_of & limits.keys())


def _judge(
    rule: Rule, observation: Observation, *, at: datetime, batch: _Batch
) -> CheckResult | None:
    limits = batch.thresholds(rule, observation.observed_at)
    if not _in_force(rule, limits):
        return None
    if rule.kind == Rule.Kind.RATIO:
        verdict = _judge_ratio(observation, limits, batch.ratio_points(observation))
    else:
        verdict = JUDGES[rule.kind](rule, observation, limits)
    if verdict is None:
        return None
    outcome, detail = verdict
    subject = (
        device_subject(observation.device)
        if rule.kind == Rule.Kind.RATIO
        else subject_of(observation)
    )
    return _result(
        rule,
        outcome,
        device=observation.device,
        point=None if rule.kind == Rule.Kind.RATIO else observation.point,
        subject=subject,
        observation=observation,
        observed_at=observation.observed_at,
        received_at=observation.received_at,
        at=at,
        detail={
            "value": observation.value,
            "thresholds": _threshold_detail(limits),
            **detail,
        },
    )


def _breach_value(rule: Rule) -> bool:
    return getattr(rule, "breach_when", "true") != "false"


def _judge_state(rule, observation, limits):
    if observation.value_bool is None:
        return UNKNOWN, {"why": f"{observation.name}: expected true or false"}
    breach = observation.value_bool == _breach_value(rule)
    return (BREACH if breach else NORMAL), {}


def _judge_state_held(rule, observation, limits):
    if observation.value_bool is None:
        return UNKNOWN, {"why": f"{observation.name}: expected true or false"}
    if observation.value_bool != _breach_value(rule):
        return NORMAL, {}
    since = _held_since(observation, observation.value_bool)
    hold = _minutes(limits, "hold_minutes")
    if hold is not None and observation.observed_at - since < hold:
        return None  # not decided yet: `evaluate_held` will look again
    return BREACH, {"held_since": since.isoformat()}


def _judge_range(rule, observation, limits):
    if observation.value_number is None:
        return UNKNOWN, {"why": f"{observation.name}: expected a number"}
    value = Decimal(str(observation.value_number))
    low = limits.get("min")
    high = limits.get("max")
    outside = (low is not None and value < low.value) or (
        high is not None and value > high.value
    )
    if not outside:
        return NORMAL, {}
    hold = _minutes(limits, "hold_minutes")
    if hold is not None:
        since = _out_of_range_since(observation, low, high)
        if observation.observed_at - since < hold:
            return None
        return BREACH, {"held_since": since.isoformat()}
    return BREACH, {}


def _judge_count(rule, observation, limits):
    if observation.value_bool is not True:
        return None
    window = _minutes(limits, "window_minutes") or timedelta(days=1)
    most = limits.get("max_count")
    count = (
        _same_series(observation)
        .filter(
            value_bool=True,
            observed_at__gt=observation.observed_at - window,
            observed_at__lte=observation.observed_at,
        )
        .count()
    )
    detail = {"count": count}
    if most is None or count > most.value:
        return BREACH, detail
    return NORMAL, detail


# Kinds judged from the observation (and its own series) alone.
JUDGES = {
    Rule.Kind.STATE: _judge_state,
    Rule.Kind.REGISTRY_FACT: _judge_state,
    Rule.Kind.STATE_HELD: _judge_state_held,
    Rule.Kind.NUMERIC_RANGE: _judge_range,
    Rule.Kind.COUNT_IN_WINDOW: _judge_count,
}


def _judge_ratio(observation, limits, states: _PointStates):
    """Judge the share of the device's points whose latest value is true."""
    if observation.value_bool is None:
        return UNKNOWN, {"why": f"{observation.name}: expected true or false"}
    true_count = states.true_count()
    points = max(states.points, len(states.latest), 1)
    share = Decimal(100 * true_count) / points
    most = limits.get("max_ratio_percent")
    detail = {"share_percent": float(round(share, 2)), "points": points}
    if most is not None and share > most.value:
        return BREACH, detail
    return NORMAL, detail


def _reset(rule: Rule, observation: Observation, *, at: datetime) -> list[CheckResult]:
    """A reset returns the device's breaches of the rule's scenario to normal.

    A controller is reset once its alarms have been dealt with (GB/T
    26875.3 fig 6 and 9, "复位"); every point of the scenario whose last
    result on this device was a breach is judged normal again.
    """
    if observation.value_bool is not True:
        return []
    latest = (
        CheckResult.objects.filter(
            device=observation.device, rule__scenario=rule.scenario
        )
        .exclude(rule__kind=Rule.Kind.RESET)
        .values("subject")
        .annotate(last=Max("id"))
        .values("last")
    )
    breached = CheckResult.objects.filter(
        id__in=Subquery(latest), outcome__in=[BREACH, UNKNOWN]
    ).select_related("point")
    return [
        _result(
            rule,
            NORMAL,
            device=observation.device,
            point=previous.point,
            subject=previous.subject,
            observation=observation,
            observed_at=observation.observed_at,
            received_at=observation.received_at,
            at=at,
            detail={"value": observation.value, "why": "reset", "ends": previous.pk},
        )
        for previous in breached
    ]


def evaluate_silence(*, at: datetime) -> list[CheckResult]:
    """Judge every silence rule for every device at `at`.

    A device is silent when the last data the rule reads was received more
    than the rule's `silence_minutes` before `at`. A device that has never
    sent anything is not judged here: it has not been commissioned yet.
    """
    results: list[CheckResult] = []
    for rule in catalog.silence_rules():
        limits = catalog.thresholds(rule, timezone.localdate(at))
        silence = _minutes(limits, "silence_minutes")
        if silence is None:
            continue
        if rule.silence_starts_after:
            results.extend(_unanswered(rule, limits, silence, at=at))
            continue
        last_seen = Observation.objects.filter(device=OuterRef("pk"))
        if rule.observation_name == ANY_OBSERVATION:
            last_seen = last_seen.exclude(name__in=PLATFORM_NOTES)
        else:
            last_seen = last_seen.filter(name=rule.observation_name)
        devices = (
            Device.objects.annotate(
                last_received=Subquery(
                    last_seen.order_by("-received_at").values("received_at")[:1]
                )
            )
            .filter(last_received__isnull=False, last_received__lt=at - silence)
            .select_related("unit")
        )
        for device in devices:
            subject = device_subject(device)
            if _last_outcome(rule, device.unit_id, subject) == BREACH:
                continue
            results.append(
                _result(
                    rule,
                    BREACH,
                    device=device,
                    point=None,
                    subject=subject,
                    observation=None,
                    observed_at=device.last_received,
                    received_at=at,
                    at=at,
                    detail={
                        "last_received_at": device.last_received.isoformat(),
                        "thresholds": _threshold_detail(limits),
                    },
                )
            )
    return _save(results)


def _unanswered(
    rule: Rule, limits: dict, silence: timedelta, *, at: datetime
) -> list[CheckResult]:
    """Find devices that did not answer a request within the silence.

    The silence runs from the last `silence_starts_after` observation (the
    duty roll-call sent to the device) and holds while no observation of the
    rule's name has arrived since.
    """
    last_request = Observation.objects.filter(
        device=OuterRef("pk"), name=rule.silence_starts_after
    ).order_by("-received_at")
    devices = (
        Device.objects.annotate(
            asked_at=Subquery(last_request.values("received_at")[:1])
        )
        .filter(asked_at__isnull=False, asked_at__lt=at - silence)
        .select_related("unit")
    )
    results = []
    for device in devices:
        answered = Observation.objects.filter(
            device=device,
            name=rule.observation_name,
            received_at__gte=device.asked_at,
        ).exists()
        subject = device_subject(device)
        if answered or _last_outcome(rule, device.unit_id, subject) == BREACH:
            continue
        results.append(
            _result(
                rule,
                BREACH,
                device=device,
                point=None,
                subject=subject,
                observation=None,
                observed_at=device.asked_at,
                received_at=at,
                at=at,
                detail={
                    "asked_at": device.asked_at.isoformat(),
                    "thresholds": _threshold_detail(limits),
                },
            )
        )
    return results


def evaluate_held(*, at: datetime) -> list[CheckResult]:
    """Judge states and values that have been held long enough since arrival."""
    results: list[CheckResult] = []
    rules = [
        r
        for r in catalog.current_rules()
        if r.kind in (Rule.Kind.STATE_HELD, Rule.Kind.NUMERIC_RANGE)
    ]
    for rule in rules:
        limits = catalog.thresholds(rule, timezone.localdate(at))
        hold = _minutes(limits, "hold_minutes")
        if hold is None:
            continue
        latest_ids = (
            Observation.objects.filter(name=rule.observation_name)
            .values("device", "point")
            .annotate(last=Max("id"))
            .values("last")
        )
        for observation in Observation.objects.filter(
            id__in=Subquery(latest_ids)
        ).select_related("device__unit", "point"):
            subject = (
                device_subject(observation.device)
                if observation.point is None
                else subject_of(observation)
            )
            if _last_outcome(rule, observation.device.unit_id, subject) == BREACH:
                continue
            verdict = _judge_at(rule, observation, limits, at=at)
            if verdict is None or at - verdict < hold:
                continue
            results.append(
                _result(
                    rule,
                    BREACH,
                    device=observation.device,
                    point=observation.point,
                    subject=subject,
                    observation=observation,
                    observed_at=observation.observed_at,
                    received_at=at,
                    at=at,
                    detail={
                        "value": observation.value,
                        "held_since": verdict.isoformat(),
                        "thresholds": _threshold_detail(limits),
                    },
                )
            )
    return _save(results)


def _judge_at(rule, observation, limits, *, at) -> datetime | None:
    """Return since when the breach is held at `at`, or None if it is not."""
    if rule.kind == Rule.Kind.STATE_HELD:
        if observation.value_bool is None:
            return None
        if observation.value_bool != _breach_value(rule):
            return None
        return _held_since(observation, observation.value_bool)
    if observation.value_number is None:
        return None
    value = Decimal(str(observation.value_number))
    low, high = limits.get("min"), limits.get("max")
    if (low is None or value >= low.value) and (high is None or value <= high.value):
        return None
    return _out_of_range_since(observation, low, high)


def record_unreadable(*, device: Device, raw_record: RawRecord) -> list[CheckResult]:
    """Record that a device sent data the platform could not read (LM-11).

    The result is unknown, and unknown is unqualified: it goes on the rule
    that watches the device's data (a silence rule on any data), so a
    transmission fault is handled like a gap.
    """
    rules = [
        r for r in catalog.silence_rules() if r.observation_name == ANY_OBSERVATION
    ]
    results = [
        _result(
            rule,
            UNKNOWN,
            device=device,
            point=None,
            subject=device_subject(device),
            observation=None,
            observed_at=raw_record.received_at,
            received_at=raw_record.received_at,
            at=raw_record.received_at,
            detail={
                "raw_record": raw_record.pk,
                "why": raw_record.reject_reason,
            },
        )
        for rule in rules
    ]
    return _save(results)


# Columns in model order; `bulk.constructor` checks them against the models.
CHECK_RESULT_COLUMNS = (
    "rule_id",
    "unit_id",
    "device_id",
    "point_id",
    "subject",
    "observation_id",
    "outcome",
    "observed_at",
    "received_at",
    "evaluated_at",
    "detail",
)
_CheckResult = bulk.constructor(CheckResult, ("id", *CHECK_RESULT_COLUMNS))
_RESULT_RULE, _RESULT_UNIT, _RESULT_DEVICE, _RESULT_POINT, _RESULT_OBSERVATION = (
    CheckResult._meta.get_field(name)
    for name in ("rule", "unit", "device", "point", "observation")
)
FINDING_COLUMNS = (
    "check_result_id",
    "scenario_id",
    "unit_id",
    "subject",
    "outcome",
    "observed_at",
    "received_at",
)
bulk.constructor(Finding, ("id", *FINDING_COLUMNS))


def _result(
    rule: Rule,
    outcome: str,
    *,
    device: Device,
    point,
    subject: str,
    observation: Observation | None,
    observed_at: datetime,
    received_at: datetime,
    at: datetime,
    detail: dict,
) -> CheckResult:
    result = _CheckResult(
        None,
        rule.pk,
        device.unit_id,
        device.pk,
        point.pk if point is not None else None,
        subject[:128],
        observation.pk if observation is not None else None,
        outcome,
        observed_at,
        received_at,
        at,
        detail,
    )
    _RESULT_RULE.set_cached_value(result, rule)
    _RESULT_DEVICE.set_cached_value(result, device)
    _RESULT_POINT.set_cached_value(result, point)
    if observation is not None:
        _RESULT_OBSERVATION.set_cached_value(result, observation)
    if Device.unit.is_cached(device):
        # Supervision reads the unit of every result it takes.
        _RESULT_UNIT.set_cached_value(result, device.unit)
    return result


def _save(results: list[CheckResult]) -> list[CheckResult]:
    """Write check results, and a finding for each breach or unknown one."""
    if not results:
        return results
    with transaction.atomic():
        ids = bulk.insert(
            CheckResult,
            CHECK_RESULT_COLUMNS,
            [tuple(getattr(r, c) for c in CHECK_RESULT_COLUMNS) for r in results],
        )
        bulk.mark_saved(results, ids)
        bulk.insert(
            Finding,
            FINDING_COLUMNS,
            [
                (
                    result.pk,
                    result.rule.scenario_id,
                    result.unit_id,
                    result.subject,
                    result.outcome,
                    result.observed_at,
                    result.received_at,
                )
                for result in results
                if result.outcome != NORMAL
            ],
            returning=False,
        )
    return results


def _last_outcome(rule: Rule, unit_id: int, subject: str) -> str | None:
    return (
        CheckResult.objects.filter(rule=rule, unit_id=unit_id, subject=subject)
        .order_by("-id")
        .values_list("outcome", flat=True)
        .first()
    )


def _same_series(observation: Observation):
    return Observation.objects.filter(
        device_id=observation.device_id,
        point_id=observation.point_id,
        name=observation.name,
    )


def _held_since(observation: Observation, value: bool) -> datetime:
    """Return when the current run of `value` began, by the device's clock."""
    series = _same_series(observation).filter(observed_at__lte=observation.observed_at)
    last_other = (
        series.exclude(value_bool=value)
        .order_by("-observed_at")
        .values_list("observed_at", flat=True)
        .first()
    )
    run = series.filter(value_bool=value)
    if last_other is not None:
        run = run.filter(observed_at__gt=last_other)
    first = run.order_by("observed_at").values_list("observed_at", flat=True).first()
    return first or observation.observed_at


def _out_of_range_since(observation: Observation, low, high) -> datetime:
    series = _same_series(observation).filter(observed_at__lte=observation.observed_at)
    inside = series
    if low is not None:
        inside = inside.filter(value_number__gte=float(low.value))
    if high is not None:
        inside = inside.filter(value_number__lte=float(high.value))
    last_inside = (
        inside.order_by("-observed_at").values_list("observed_at", flat=True).first()
    )
    run = series
    if last_inside is not None:
        run = run.filter(observed_at__gt=last_inside)
    first = run.order_by("observed_at").values_list("observed_at", flat=True).first()
    return first or observation.observed_at


def _minutes(limits: dict, parameter: str) -> timedelta | None:
    row = limits.get(parameter)
    if row is None:
        return None
    return timedelta(minutes=float(row.value))


def _threshold_detail(limits: dict) -> list[dict]:
    return [
        {
            "parameter": row.parameter,
            "value": str(row.value),
            "unit": row.unit,
            "source": row.source,
            "local_policy_default": row.is_local_policy_default,
            "effective_from": row.effective_from.isoformat(),
        }
        for row in limits.values()
    ]
