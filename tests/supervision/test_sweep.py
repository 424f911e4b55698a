"""The sweep: what time alone decides (LM-13 ¶2), done once."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from offsite.intake.models import Observation, RawRecord
from offsite.monitoring.models import CheckResult
from offsite.registry import services as registry
from offsite.supervision.models import Event, Transition
from offsite.supervision.services import respond, sweep, take_results, transition

from .support import beijing, real_scenario

pytestmark = pytest.mark.django_db

BREACH = CheckResult.Outcome.BREACH
NORMAL = CheckResult.Outcome.NORMAL


@pytest.fixture
def warned(make_result) -> Event:
    """A facility_status event warned Friday 2026-02-13, due 2026-02-25 end."""
    result = make_result(
        real_scenario("facility_status"),
        BREACH,
        observed_at=beijing(2026, 2, 13, 10, 0),
    )
    [event] = take_results([result], at=beijing(2026, 2, 13, 10, 0)).opened
    assert event.due_at == beijing(2026, 2, 25, 23, 59, 59)
    return event


def test_sweep_moves_an_overdue_warned_event_to_clue(warned):
    report = sweep(at=beijing(2026, 2, 26, 0, 0))

    stored = Event.objects.get(pk=warned.pk)
    assert stored.state == "clue"
    assert list(warned.transitions.values_list("from_state", "to_state", "actor"))[
        -2:
    ] == [("warned", "overdue", "system"), ("overdue", "clue", "system")]
    assert stored.due_at == beijing(2026, 2, 27, 0, 0)
    assert report.actions["overdue"] == 1
    assert report.actions["clue"] == 1
    assert report.by_scenario["facility_status"] == {"overdue": 1, "clue": 1}


def test_sweep_acts_when_the_deadline_is_reached(warned):
    sweep(at=beijing(2026, 2, 25, 23, 59, 59))

    assert Event.objects.get(pk=warned.pk).state == "clue"


def test_sweep_leaves_an_event_alone_before_its_deadline(warned):
    report = sweep(at=beijing(2026, 2, 25, 23, 59, 58))

    assert Event.objects.get(pk=warned.pk).state == "warned"
    assert report.actions["overdue"] == 0


def test_sweep_run_twice_acts_once(warned):
    sweep(at=beijing(2026, 2, 26, 0, 0))
    steps = Transition.objects.count()

    again = sweep(at=beijing(2026, 2, 26, 0, 5))

    assert Transition.objects.count() == steps
    assert again.as_dict()["actions"] == {
        "opened": 0,
        "attached": 0,
        "ended": 0,
        "overdue": 0,
        "clue": 0,
    }


def test_sweep_ends_an_event_whose_data_is_back_to_normal(make_result, officer):
    # The lane was cleared while the event waited for review; once the
    # warning is sent, the sweep ends it (LM-13 ¶2).
    fire_lane = real_scenario("fire_lane")
    breach = make_result(
        fire_lane, BREACH, subject="lane:north", observed_at=beijing(2026, 3, 2, 9, 15)
    )
    [event] = take_results([breach], at=beijing(2026, 3, 2, 9, 15)).opened
    normal = make_result(
        fire_lane, NORMAL, subject="lane:north", observed_at=beijing(2026, 3, 2, 9, 45)
    )
    take_results([normal], at=beijing(2026, 3, 2, 9, 45))
    transition(event, "confirmed", actor=officer, at=beijing(2026, 3, 2, 11, 0))
    respond(event, actor=officer, at=beijing(2026, 3, 2, 11, 0))

    report = sweep(at=beijing(2026, 3, 2, 11, 1))

    assert Event.objects.get(pk=event.pk).state == "ended"
    assert report.actions["ended"] == 1
    assert report.by_scenario["fire_lane"] == {"ended": 1}


def test_sweep_counts_a_late_review_without_moving_the_event(make_result):
    # LM-12: 24 hours to review; a late one is an oversight figure (IM-18).
    breach = make_result(
        real_scenario("fire_lane"),
        BREACH,
        subject="lane:north",
        observed_at=beijing(2026, 3, 2, 9, 15),
    )
    [event] = take_results([breach], at=beijing(2026, 3, 2, 9, 15)).opened

    report = sweep(at=beijing(2026, 3, 3, 9, 16))

    assert Event.objects.get(pk=event.pk).state == "awaiting_review"
    assert report.late["awaiting_review"] == 1


def test_sweep_opens_an_event_for_a_silent_device(unit):
    # facility_status/transmission_silent: 30 minutes without any data.
    device = registry.register_device(
        unit=unit, source_address="0000000000c3", kind="transmission"
    )
    heard = beijing(2026, 3, 2, 9, 0)
    payload = b"heartbeat"
    raw = RawRecord.objects.create(
        source="http",
        origin="test",
        received_at=heard,
        payload=payload,
        sha256=hashlib.sha256(payload).hexdigest(),
        dedup_key=hashlib.sha256(payload).hexdigest(),
        status="accepted",
        device=device,
    )
    Observation.objects.create(
        raw_record=raw,
        device=device,
        name="heartbeat",
        value_bool=True,
        observed_at=heard,
        received_at=heard,
    )

    report = sweep(at=heard + timedelta(minutes=31))

    event = Event.objects.get(subject="device:0000000000c3")
    assert event.scenario.code == "facility_status"
    assert event.state == "warned"
    assert report.actions["opened"] == 1
    assert report.time_rule_results == 1
    assert report.notes == []


def test_the_sweep_command_prints_a_json_report(warned):
    out = StringIO()

    call_command("sweep", "--at", "2026-02-26T00:00:00", stdout=out)

    report = json.loads(out.getvalue())
    assert report["at"] == "2026-02-26T00:00:00+08:00"
    assert report["actions"] == {
        "opened": 0,
        "attached": 0,
        "ended": 0,
        "overdue": 1,
        "clue": 1,
    }
    assert report["by_scenario"] == {"facility_status": {"clue": 1, "overdue": 1}}
    assert Event.objects.get(pk=warned.pk).state == "clue"


def test_the_sweep_command_reads_a_time_with_an_offset(warned):
    out = StringIO()

    call_command("sweep", "--at", "2026-02-25T15:59:58+00:00", stdout=out)

    assert json.loads(out.getvalue())["at"] == "2026-02-25T23:59:58+08:00"
    assert Event.objects.get(pk=warned.pk).state == "warned"


def test_the_sweep_command_refuses_a_time_it_cannot_read():
    with pytest.raises(CommandError, match="--at: 'tomorrow' is not an ISO 8601"):
        call_command("sweep", "--at", "tomorrow", stdout=StringIO())
