"""The demo city that `make run` loads, and what a newcomer can sign in to."""

from __future__ import annotations

import pytest

from offsite.intake.models import RawRecord
from offsite.supervision.models import Event
from offsite.web import demo

pytestmark = pytest.mark.django_db


def test_the_demo_replays_every_captured_frame():
    loaded = demo.load()

    # 71 frame lines in the six captures; the software-park capture repeats
    # one frame three times and another twice (4 retransmissions); then one
    # batch of the provider's observations, counted apart.
    summary = loaded.captures
    assert (summary.frames, summary.accepted, summary.duplicates) == (71, 67, 4)
    assert summary.rejected == 0
    assert (loaded.provider.frames, loaded.provider.accepted) == (1, 1)
    assert RawRecord.objects.count() == 68
    assert loaded.key.startswith("osk_")


def test_the_demo_opens_fire_alarm_events_and_ends_those_reset():
    summary = demo.load().captures

    # 17 fire alarms on distinct points (m6a raises two points again after a
    # reset); the parser cards' reset lines end 15 of them.
    assert summary.events_opened["fire_alarm"] == 17
    assert summary.events_ended["fire_alarm"] == 15
    open_alarms = Event.objects.filter(scenario__code="fire_alarm", state="warned")
    assert sorted(e.subject for e in open_alarms) == [
        "point:0-0-1层南走廊西 A02 082",
        "point:1-1-20101165",
    ]


def test_loading_the_demo_twice_opens_nothing_new():
    demo.load()
    events = Event.objects.count()

    again = demo.load()

    assert (again.captures.accepted, again.captures.duplicates) == (0, 71)
    assert (again.provider.accepted, again.provider.duplicates) == (0, 1)
    assert dict(again.captures.events_opened) == {}
    assert Event.objects.count() == events


def test_the_demo_puts_three_events_in_the_review_queue():
    demo.load()

    waiting = Event.objects.filter(state="awaiting_review")
    assert sorted((e.unit.name, e.scenario.code) for e in waiting) == [
        ("京华商业广场", "emergency_plan"),
        ("京华商业广场", "fire_lane"),
        ("海淀科技大厦", "fire_lane"),
    ]


def test_the_printed_sign_ins_can_open_admin(client):
    sign_ins = demo.load().sign_ins

    for username in ("admin", "dispatch", "officer"):
        assert client.login(username=username, password=demo.DEMO_PASSWORD)
        assert client.get("/admin/supervision/event/").status_code == 200
        client.logout()
    assert [s.username for s in sign_ins] == [
        "admin",
        "dispatch",
        "officer",
        "auxiliary",
        "haidian",
        "legal",
        "unit",
        "unit2",
    ]


def test_each_demo_load_revokes_the_key_it_printed_before():
    from offsite.registry import queries as registry_queries

    first = demo.load().key
    second = demo.load().key

    assert registry_queries.authenticate_api_key(first) is None
    assert registry_queries.authenticate_api_key(second) is not None


def test_district_staff_and_auxiliaries_cannot_edit_the_item_list(client):
    demo.load()

    client.login(username="haidian", password=demo.DEMO_PASSWORD)
    assert client.get("/admin/supervision/event/").status_code == 403
    client.logout()
    client.login(username="auxiliary", password=demo.DEMO_PASSWORD)
    assert client.get("/admin/catalog/legalperiod/add/").status_code == 403
    assert client.get("/admin/registry/apikey/").status_code == 403
