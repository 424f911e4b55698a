"""Several sweepers and evaluators side by side: none acts twice (DESIGN.md).

These run on PostgreSQL only: they need row locks and concurrent sessions,
which SQLite (one writer) does not have.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from offsite.monitoring.models import CheckResult
from offsite.supervision.models import Event, EventFinding, Transition
from offsite.supervision.services import sweep, take_results

from .support import beijing, real_scenario

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs concurrent sessions"
    ),
]


def run_in_thread(target, errors: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            target()
        except BaseException as exc:  # handed back to the test thread
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_three_sweepers_turn_each_overdue_event_into_one_clue(make_event):
    events = [
        make_event("warned", due_at=beijing(2026, 2, 25, 23, 59, 59)) for _ in range(20)
    ]
    start = threading.Barrier(3)
    reports = []
    errors: list[BaseException] = []

    def sweeper() -> None:
        start.wait()
        reports.append(sweep(at=beijing(2026, 2, 26, 0, 0)))

    threads = [run_in_thread(sweeper, errors) for _ in range(3)]
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sum(report.actions["clue"] for report in reports) == 20
    for event in events:
        assert list(
            Transition.objects.filter(event=event).values_list("from_state", "to_state")
        ) == [("warned", "overdue"), ("overdue", "clue")]
        assert Event.objects.get(pk=event.pk).state == "clue"


def test_two_evaluators_opening_the_same_event_end_with_one(make_result):
    fire_alarm = real_scenario("fire_alarm")
    first = make_result(
        fire_alarm, CheckResult.Outcome.BREACH, observed_at=beijing(2026, 3, 2, 10, 0)
    )
    second = make_result(
        fire_alarm, CheckResult.Outcome.BREACH, observed_at=beijing(2026, 3, 2, 10, 0)
    )
    opened = threading.Event()
    commit = threading.Event()
    taken = {}
    errors: list[BaseException] = []

    def slow_evaluator() -> None:
        # Opens the event and holds its transaction until told to commit.
        with transaction.atomic():
            taken["first"] = take_results([first], at=beijing(2026, 3, 2, 10, 0, 1))
            opened.set()
            commit.wait(timeout=30)

    def other_evaluator() -> None:
        opened.wait(timeout=30)
        taken["second"] = take_results([second], at=beijing(2026, 3, 2, 10, 0, 1))

    slow = run_in_thread(slow_evaluator, errors)
    other = run_in_thread(other_evaluator, errors)
    opened.wait(timeout=30)
    # Let the other evaluator find no committed event and block on the
    # unique index before the first one commits.
    time.sleep(0.5)
    commit.set()
    slow.join(timeout=60)
    other.join(timeout=60)

    assert errors == []
    assert Event.objects.count() == 1
    assert EventFinding.objects.count() == 2
    assert len(taken["first"].opened) == 1
    assert (taken["second"].opened, taken["second"].attached) == ([], 1)
