"""Judge what intake read and act on it: monitoring's results, taken as events.

This is the `Judge` intake hands its observations to (registered in
`SupervisionConfig.ready`): monitoring evaluates each raw record's
observations at the time the record was received, and the results go to
`services.take_results` record by record, in the order the records came.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from offsite.intake.judging import Judged
from offsite.intake.models import Observation, RawRecord
from offsite.monitoring import services as monitoring
from offsite.monitoring.models import CheckResult
from offsite.registry.models import Device
from offsite.supervision import queries, services


class EventJudge:
    """Evaluate observations and turn their results into events."""

    def judge(
        self, batch: Sequence[tuple[Sequence[Observation], datetime]]
    ) -> list[Judged]:
        per_record = monitoring.evaluate_batch(batch)
        judged = []
        for (_, received_at), results, to_take in zip(
            batch, per_record, _to_take(per_record), strict=True
        ):
            judged.append(_take(results, to_take, at=received_at))
        return judged

    def judge_unreadable(self, *, device: Device, raw_record: RawRecord) -> Judged:
        results = monitoring.record_unreadable(device=device, raw_record=raw_record)
        return _take(results, results, at=raw_record.received_at)


def _take(
    results: Sequence[CheckResult], to_take: Sequence[CheckResult], *, at: datetime
) -> Judged:
    judged = Judged(check_results=len(results))
    if to_take:
        taken = services.take_results(to_take, at=at)
        judged.events_opened.update(e.scenario.code for e in taken.opened)
        judged.events_ended.update(e.scenario.code for e in taken.ended)
    return judged


def _to_take(per_record: Sequence[list[CheckResult]]) -> list[list[CheckResult]]:
    """Leave out the normal results that have no event to end.

    A normal result only acts on the open event of its unit, scenario and
    subject (it ends a warned or ordered one, LM-13 ¶2); with no such event
    it does nothing, yet `take_results` would look for one result by result.
    One query finds the open events of the batch; an event a breach earlier
    in the batch may open counts as open.
    """
    keys = {
        _event_key(result)
        for results in per_record
        for result in results
        if result.outcome == CheckResult.Outcome.NORMAL
    }
    if not keys:
        return [list(results) for results in per_record]
    open_keys = set(
        queries.open_events()
        .filter(
            unit_id__in={unit for unit, _, _ in keys},
            subject__in={subject for _, _, subject in keys},
        )
        .values_list("unit_id", "scenario__code", "subject")
    )
    to_take = []
    for results in per_record:
        taking = []
        for result in results:
            key = _event_key(result)
            if result.outcome != CheckResult.Outcome.NORMAL:
                open_keys.add(key)
                taking.append(result)
            elif key in open_keys:
                taking.append(result)
        to_take.append(taking)
    return to_take


def _event_key(result: CheckResult) -> tuple[int, str, str]:
    return (result.unit_id, result.rule.scenario.code, result.subject)
