"""Read the supervision item list: the current version, its rules and numbers.

The rules of the current version and their thresholds are read on every
observation, so they are cached per process. Any save or delete of a
catalog row drops the cache (see `signals.py`). Another process learns of
an edit only when its copy is older than `CACHE_SECONDS`: an edit made in
the admin reaches a separate evaluator process within that time, not at
once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db import connection

from offsite.catalog.models import (
    ANY_OBSERVATION,
    PLATFORM_NOTES,
    CatalogVersion,
    LegalPeriod,
    Rule,
    Scenario,
    Threshold,
)

logger = logging.getLogger(__name__)

CACHE_SECONDS = 60


@dataclass
class _Snapshot:
    version: CatalogVersion
    rules: list[Rule]
    by_observation: dict[str, list[Rule]]
    silence: list[Rule]
    thresholds_by_rule: dict[int, list[Threshold]] = field(default_factory=dict)
    loaded_at: float = 0.0


_snapshot: _Snapshot | None = None
_local = threading.local()


def clear_cache() -> None:
    """Forget the cached rules and thresholds of this process."""
    global _snapshot
    _snapshot = None


def mark_changed() -> None:
    """Note that this thread changed catalog rows in a transaction not yet ended.

    Until that transaction ends, this thread reads straight from the
    database and caches nothing, so rows that may still be rolled back never
    reach the shared cache.
    """
    clear_cache()
    _local.changed_in_transaction = True


def mark_committed() -> None:
    """Forget the cache once this thread's catalog change is committed."""
    clear_cache()
    _local.changed_in_transaction = False


def current_version() -> CatalogVersion:
    """Return the latest published version of the item list."""
    return _current().version


def current_rules() -> list[Rule]:
    """Return every rule of the current version, with its scenario."""
    return list(_current().rules)


def scenario(code: str) -> Scenario:
    """Return the scenario with this code in the current version."""
    version = current_version()
    try:
        return Scenario.objects.select_related("version").get(
            version=version, code=code
        )
    except Scenario.DoesNotExist:
        raise Scenario.DoesNotExist(
            f"no scenario with code {code!r} in catalog version {version}"
        ) from None


def rules_for_observation(name: str) -> list[Rule]:
    """Return the current rules that read an observation of this name.

    Silence rules on `*` are included: any observation of a device ends its
    silence, except the notes the platform writes itself (`PLATFORM_NOTES`).
    """
    snapshot = _current()
    rules = list(snapshot.by_observation.get(name, []))
    if name in PLATFORM_NOTES:
        return rules
    return rules + [
        rule
        for rule in snapshot.silence
        if rule.observation_name == ANY_OBSERVATION and rule.observation_name != name
    ]


def applies_in(rule: Rule, district_id: int) -> bool:
    """Tell whether a rule applies to the units of a district.

    A city-wide scenario applies everywhere; a district's own scenario
    (IM-5) only to the units of that district.
    """
    authority_id = rule.scenario.authority_id
    return authority_id is None or authority_id == district_id


def silence_rules() -> list[Rule]:
    """Return the silence rules of the current version."""
    return list(_current().silence)


def thresholds(rule: Rule, on: date) -> dict[str, Threshold]:
    """Return, for each parameter of the rule, the row in effect on a date.

    The row in effect is the one with the latest `effective_from` not after
    `on`; a parameter with no such row is absent from the result.
    """
    snapshot = _current()
    rows = snapshot.thresholds_by_rule.get(rule.pk)
    if rows is None:
        # A rule of an older version, e.g. one a past check result names.
        rows = list(Threshold.objects.filter(rule_id=rule.pk))

    in_effect: dict[str, Threshold] = {}
    for row in rows:
        if row.effective_from > on:
            continue
        held = in_effect.get(row.parameter)
        if held is None or row.effective_from > held.effective_from:
            in_effect[row.parameter] = row
    return in_effect


def legal_period(code: str, on: date) -> LegalPeriod:
    """Return the legal period with this code in effect on a date."""
    period = (
        LegalPeriod.objects.filter(code=code, effective_from__lte=on)
        .order_by("-effective_from")
        .first()
    )
    if period is None:
        raise LegalPeriod.DoesNotExist(
            f"no legal period with code {code!r} in effect on {on.isoformat()}"
        )
    return period


def published_versions() -> list[CatalogVersion]:
    """Return every published version, newest first (IM-5: history is kept)."""
    return list(CatalogVersion.objects.filter(published_at__isnull=False))


def _current() -> _Snapshot:
    global _snapshot
    if getattr(_local, "changed_in_transaction", False):
        if connection.in_atomic_block:
            return _load()
        # The transaction that changed the catalog has ended; if it was
        # rolled back no commit hook ran, so drop whatever was cached.
        mark_committed()

    snapshot = _snapshot
    if snapshot is None or time.monotonic() - snapshot.loaded_at > CACHE_SECONDS:
        snapshot = _load()
        _snapshot = snapshot
    return snapshot


def _load() -> _Snapshot:
    version = (
        CatalogVersion.objects.filter(published_at__isnull=False)
        .order_by("-number")
        .first()
    )
    if version is None:
        raise CatalogVersion.DoesNotExist(
            "no published catalog version: run the migrations, or publish one"
        )

    rules = list(
        Rule.objects.filter(scenario__version=version)
        .select_related("scenario", "scenario__version")
        .order_by("scenario__code", "code")
    )
    by_observation: dict[str, list[Rule]] = defaultdict(list)
    silence: list[Rule] = []
    for rule in rules:
        by_observation[rule.observation_name].append(rule)
        if rule.kind == Rule.Kind.SILENCE:
            silence.append(rule)

    thresholds_by_rule: dict[int, list[Threshold]] = {rule.pk: [] for rule in rules}
    for row in Threshold.objects.filter(rule__scenario__version=version):
        thresholds_by_rule[row.rule_id].append(row)

    logger.debug("catalog loaded version=%s rules=%d", version.number, len(rules))
    return _Snapshot(
        version=version,
        rules=rules,
        by_observation=dict(by_observation),
        silence=silence,
        thresholds_by_rule=thresholds_by_rule,
        loaded_at=time.monotonic(),
    )
