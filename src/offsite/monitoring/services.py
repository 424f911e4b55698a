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
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from offsite.catalog import queries as catalog
from offsite.catalog.models import RULE_PARAMETERS, Rule
from offsite.intake.models import Observation, RawRecord
from offsite.monitoring.models import CheckResult, Finding
from offsite.registry.models import Device

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
    results: list[CheckResult] = []
    for observation in observations:
        for rule in catalog.rules_for_observation(observation.name):
            if rule.kind == Rule.Kind.SILENCE:
                result = _end_of_silence(rule, observation, at=at)
            elif rule.kind == Rule.Kind.RESET:
                results.extend(_reset(rule, observation, at=at))
                continue
            elif rule.kind in ON_ARRIVAL:
                result = _judge(rule, observation, at=at)
            else:
                result = None
            if result is not None:
                results.append(result)
    return _save(results)


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


def _judge(rule: Rule, observation: Observation, *, at: datetime) -> CheckResult | None:
    limits = catalog.thresholds(rule, timezone.localdate(observation.observed_at))
    if not _in_force(rule, limits):
        return None
    judge = {
        Rule.Kind.STATE: _judge_state,
        Rule.Kind.REGISTRY_FACT: _judge_state,
        Rule.Kind.STATE_HELD: _judge_state_held,
        Rule.Kind.NUMERIC_RANGE: _judge_range,
        Rule.Kind.COUNT_IN_WINDOW: _judge_count,
        Rule.Kind.RATIO: _judge_ratio,
    }[rule.kind]
    verdict = judge(rule, observation, limits)
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


def _judge_ratio(rule, observation, limits):
    if observation.value_bool is None:
        return UNKNOWN, {"why": f"{observation.name}: expected true or false"}
    latest = (
        Observation.objects.filter(
            device=observation.device, name=observation.name, point__isnull=False
        )
        .values("point")
        .annotate(last=Max("id"))
        .values("last")
    )
    values = list(
        Observation.objects.filter(id__in=Subquery(latest)).values_list(
            "value_bool", flat=True
        )
    )
    points = max(observation.device.points.count(), len(values), 1)
    share = Decimal(100 * sum(1 for v in values if v)) / points
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


def _end_of_silence(
    rule: Rule, observation: Observation, *, at: datetime
) -> CheckResult | None:
    """Data arriving ends a silence that was judged a breach."""
    subject = device_subject(observation.device)
    last = _last_outcome(rule, observation.device.unit_id, subject)
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
        if rule.observation_name != "*":
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
    rules = [r for r in catalog.silence_rules() if r.observation_name == "*"]
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
    return CheckResult(
        rule=rule,
        unit_id=device.unit_id,
        device=device,
        point=point,
        subject=subject[:128],
        observation=observation,
        outcome=outcome,
        observed_at=observed_at,
        received_at=received_at,
        evaluated_at=at,
        detail=detail,
    )


def _save(results: list[CheckResult]) -> list[CheckResult]:
    """Write check results, and a finding for each breach or unknown one."""
    if not results:
        return results
    with transaction.atomic():
        CheckResult.objects.bulk_create(results)
        findings = [
            Finding(
                check_result=result,
                scenario=result.rule.scenario,
                unit_id=result.unit_id,
                subject=result.subject,
                outcome=result.outcome,
                observed_at=result.observed_at,
                received_at=result.received_at,
            )
            for result in results
            if result.outcome != NORMAL
        ]
        Finding.objects.bulk_create(findings)
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
