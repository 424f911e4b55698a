"""A published number changes only forward in time, and limits stay coherent."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from offsite.catalog.models import Rule, Threshold

pytestmark = pytest.mark.django_db


def sprinkler_pressure() -> Rule:
    return Rule.objects.get(scenario__version__number=1, code="sprinkler_pressure")


def new_threshold(**fields) -> Threshold:
    values = {
        "rule": sprinkler_pressure(),
        "parameter": "min",
        "value": Decimal("0.06"),
        "unit": "MPa",
        "source": "本地政策",
        "effective_from": timezone.localdate() + timedelta(days=30),
    }
    values.update(fields)
    return Threshold(**values)


def test_a_published_rule_takes_a_new_number_from_a_date_to_come():
    new_threshold().full_clean()


def test_a_published_rule_refuses_a_number_for_the_past():
    with pytest.raises(ValidationError) as refused:
        new_threshold(effective_from=date(2020, 1, 1)).full_clean()

    assert "never to data already judged" in str(refused.value)


def test_a_lower_limit_above_the_upper_limit_is_refused():
    # max is 1.2 MPa (GB 50084-2017) for sprinkler_pressure.
    with pytest.raises(ValidationError) as refused:
        new_threshold(value=Decimal("5")).full_clean()

    assert "min 5 must be below max 1.2000" in str(refused.value)


def test_a_hold_shorter_than_a_minute_is_refused():
    threshold = new_threshold(
        parameter="hold_minutes", value=Decimal("0.0001"), unit="min"
    )

    with pytest.raises(ValidationError) as refused:
        threshold.full_clean()

    assert "hold_minutes is at least 1 minute" in str(refused.value)
