"""Judging a batch of raw records together, as `evaluate` would one by one."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from offsite.intake.models import Observation, RawRecord
from offsite.monitoring import services as monitoring
from offsite.registry import services as registry

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=BEIJING)


@pytest.fixture
def device(unit):
    device = registry.register_device(unit=unit, source_address="0000000000a1")
    for number in range(20):
        registry.ensure_point(device=device, code=f"1-1-{number}")
    return device


def shielded(device, point: str, value: bool, at: datetime) -> Observation:
    payload = f"shielded={value}@{at.isoformat()}#{point}".encode()
    raw = RawRecord.objects.create(
        source="http",
        origin="test",
        received_at=at,
        payload=payload,
        sha256=hashlib.sha256(payload).hexdigest(),
        dedup_key=hashlib.sha256(payload).hexdigest(),
        status="accepted",
        device=device,
    )
    return Observation.objects.create(
        raw_record=raw,
        device=device,
        point=device.points.get(code=point),
        name="shielded",
        value_bool=value,
        observed_at=at,
        received_at=at,
    )


def share(results) -> float:
    (ratio,) = [r for r in results if r.rule.code == "shielded_ratio"]
    return ratio.detail["share_percent"]


def test_a_ratio_counts_the_values_of_the_groups_before_it(device):
    first = shielded(device, "1-1-0", True, T0)
    second = shielded(device, "1-1-1", True, T0)

    per_group = monitoring.evaluate_batch([([first], T0), ([second], T0)])

    # 1 then 2 of 20 points.
    assert [share(results) for results in per_group] == [5.0, 10.0]


def test_a_ratio_does_not_count_the_values_of_the_groups_after_it(device):
    first = shielded(device, "1-1-0", True, T0)
    second = shielded(device, "1-1-1", True, T0)

    per_group = monitoring.evaluate_batch([([first], T0), ([second], T0)])

    assert per_group[0][0].outcome == "normal"
    assert per_group[1][0].outcome == "breach"


def test_the_latest_value_of_a_point_is_the_latest_by_the_device_clock(device):
    # Evaluation uses the time the data describes (DESIGN.md): a reading
    # that arrives late does not override a newer one.
    shielded(device, "1-1-0", True, T0 + timedelta(minutes=5))
    shielded(device, "1-1-1", True, T0 + timedelta(minutes=5))
    late = shielded(device, "1-1-0", False, T0)

    results = monitoring.evaluate([late], at=T0 + timedelta(minutes=6))

    assert share(results) == 10.0


def test_a_batch_writes_the_results_of_every_group(device):
    groups = [([shielded(device, f"1-1-{n}", False, T0)], T0) for n in range(3)]

    per_group = monitoring.evaluate_batch(groups)

    assert [len(results) for results in per_group] == [1, 1, 1]
    assert all(result.pk is not None for results in per_group for result in results)
