"""Change the supervision item list: start a new version and publish it (IM-5).

A published version is never edited in place: changes go into a draft
copy, which replaces the current version once it is published. Older
versions stay, so every past check result still names the rule it applied.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from offsite.catalog import queries
from offsite.catalog.models import (
    RULE_PARAMETERS,
    CatalogVersion,
    Rule,
    Scenario,
    Threshold,
)

logger = logging.getLogger(__name__)


@transaction.atomic
def publish_new_version(*, note: str) -> CatalogVersion:
    """Copy the current version's scenarios, rules and thresholds into a draft.

    The draft is not published: edit it, then call `publish`.
    """
    source = queries.current_version()
    last = CatalogVersion.objects.aggregate(last=Max("number"))["last"] or 0
    draft = CatalogVersion.objects.create(number=last + 1, note=note)

    scenarios = Scenario.objects.filter(version=source).prefetch_related(
        "rules__thresholds"
    )
    for scenario in scenarios:
        rules = list(scenario.rules.all())
        scenario.pk = None
        scenario.version = draft
        scenario.save(force_insert=True)
        for rule in rules:
            rows = list(rule.thresholds.all())
            rule.pk = None
            rule.scenario = scenario
            rule.save(force_insert=True)
            Threshold.objects.bulk_create(
                Threshold(
                    rule=rule,
                    parameter=row.parameter,
                    value=row.value,
                    unit=row.unit,
                    source=row.source,
                    confidence=row.confidence,
                    is_local_policy_default=row.is_local_policy_default,
                    effective_from=row.effective_from,
                )
                for row in rows
            )

    logger.info("catalog draft version=%s copied_from=%s", draft.number, source.number)
    return draft


@transaction.atomic
def publish(version: CatalogVersion) -> CatalogVersion:
    """Publish a draft version; it becomes the current version.

    Every scenario, rule and threshold of the draft is validated first;
    nothing is published if any of them is wrong.
    """
    version = CatalogVersion.objects.select_for_update().get(pk=version.pk)
    if version.published_at is not None:
        raise ValidationError(
            {"published_at": f"catalog version {version} is already published"}
        )
    latest = (
        CatalogVersion.objects.filter(published_at__isnull=False)
        .aggregate(last=Max("number"))
        .get("last")
    )
    if latest is not None and version.number < latest:
        raise ValidationError(
            {
                "number": (
                    f"catalog version {version} is older than the published "
                    f"v{latest}; start a new draft instead"
                )
            }
        )

    problems = version_problems(version)
    if problems:
        raise ValidationError(problems)

    version.published_at = timezone.now()
    version.save(update_fields=["published_at"])
    logger.info("catalog published version=%s", version.number)
    return version


def version_problems(version: CatalogVersion) -> list[str]:
    """Return what stops a version from being published, one line per problem."""
    problems: list[str] = []
    scenarios = Scenario.objects.filter(version=version).prefetch_related(
        "rules__thresholds"
    )
    if not scenarios:
        problems.append(f"catalog version {version} has no scenarios")

    for scenario in scenarios:
        problems += _errors(scenario, f"scenario {scenario.code}")
        for rule in scenario.rules.all():
            label = f"rule {scenario.code}/{rule.code}"
            problems += _errors(rule, label)
            rows = list(rule.thresholds.all())
            for row in rows:
                problems += _errors(row, f"{label} threshold {row.parameter}")
            problems += _missing_parameters(rule, {row.parameter for row in rows})
    return problems


def _missing_parameters(rule: Rule, present: set[str]) -> list[str]:
    label = f"rule {rule.scenario.code}/{rule.code}"
    needed = RULE_PARAMETERS[rule.kind]
    problems = [
        f"{label} of kind {rule.kind} needs a threshold {parameter}"
        for parameter in sorted(needed.required - present)
    ]
    if needed.one_of and not needed.one_of & present:
        problems.append(
            f"{label} of kind {rule.kind} needs a threshold "
            f"{' or '.join(sorted(needed.one_of))}"
        )
    return problems


def _errors(instance: Scenario | Rule | Threshold, label: str) -> list[str]:
    try:
        instance.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        return [
            f"{label}: {field}: {message}"
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    return []
