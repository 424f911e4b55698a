"""`offsite events` and `offsite sweep` walk events from the command line."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from offsite.supervision.models import Event

from .support import beijing, serve

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("events", *args, stdout=out)
    return out.getvalue()


def show(event: Event, *extra: str) -> dict:
    return json.loads(run("show", str(event.pk), "--json", *extra))


def test_an_order_walks_to_ended_through_a_review_request(breach, officer, unit_user):
    event = breach("emergency_plan", beijing(2026, 2, 6, 9, 0))
    pk = str(event.pk)

    run("act", pk, "confirm", "--as", "chaoyang-officer", "--at", "2026-02-06T10:00")
    serve(beijing(2026, 2, 6, 10, 1))
    run(
        "act", pk, "request-review", "--as", "jinghua",
        "--at", "2026-02-24T18:00", "--text", "预案已于节前报送",
    )  # fmt: skip
    run(
        "act", pk, "answer-review", "--as", "chaoyang-officer",
        "--at", "2026-02-26T10:00", "--upheld", "--text", "预案确已报送",
    )  # fmt: skip

    data = show(event)
    assert data["state"] == "ended"
    assert data["prompts"][0]["document_number"] == "京朝消限字〔2026〕第0001号"
    assert data["review_requests"][0]["window_ends_at"] == "2026-02-24T23:59:59+08:00"
    assert data["review_requests"][0]["due_at"] == "2026-02-27T23:59:59+08:00"
    assert [(e["at"], e["kind"]) for e in data["timeline"]] == [
        ("2026-02-06T09:00:00+08:00", "finding"),
        ("2026-02-06T09:00:00+08:00", "transition"),
        ("2026-02-06T10:00:00+08:00", "transition"),
        ("2026-02-06T10:00:00+08:00", "transition"),
        ("2026-02-06T10:00:00+08:00", "prompt"),
        ("2026-02-24T18:00:00+08:00", "review_request"),
        ("2026-02-26T10:00:00+08:00", "review_answer"),
        ("2026-02-26T10:00:00+08:00", "transition"),
    ]


def test_a_clue_walks_to_closed_and_the_sweep_drives_its_deadlines(
    breach, officer, dispatcher, unit_user
):
    # fire_lane: 1 calendar day from Monday 28 Sept; overdue at the end of
    # Tuesday 29; a clue on Wednesday 30, assigned before National Day.
    event = breach("fire_lane", beijing(2026, 9, 28, 9, 0))
    pk = str(event.pk)
    run("act", pk, "confirm", "--as", "chaoyang-officer", "--at", "2026-09-28T10:00")
    sweep_out = StringIO()
    call_command("sweep", "--at", "2026-09-30T00:00", stdout=sweep_out)
    run(
        "act", pk, "assign", "--as", "chaoyang-dispatch",
        "--officer", "chaoyang-officer", "--at", "2026-09-30T09:00",
    )  # fmt: skip
    assigned = show(event)
    run(
        "act", pk, "investigate", "--as", "chaoyang-officer", "--at", "2026-10-08T09:00"
    )
    run(
        "act", pk, "report", "--as", "chaoyang-officer", "--at", "2026-10-08T15:00",
        "--text", "现场核查：通道已清理", "--outcome", "rectification_verified",
    )  # fmt: skip
    run("act", pk, "close", "--as", "chaoyang-dispatch", "--at", "2026-10-09T09:00")

    assert json.loads(sweep_out.getvalue())["actions"]["clue"] == 1
    assert assigned["state"] == "assigned"
    assert assigned["due"]["state_due_at"] == "2026-10-10T23:59:59+08:00"
    data = show(event)
    assert data["state"] == "closed"
    assert [n["kind"] for n in data["authority_notices"]] == ["station_notice"]


def test_list_shows_what_the_named_person_sees(
    breach, officer, unit_user, other_unit, make_person
):
    ours = breach("fire_alarm", beijing(2026, 3, 2, 10, 0))
    breach("fire_alarm", beijing(2026, 3, 2, 10, 5), of=other_unit)

    everything = json.loads(run("list", "--json"))
    own = json.loads(run("list", "--json", "--as", "jinghua"))
    warned = json.loads(run("list", "--json", "--state", "clue"))

    assert len(everything) == 2
    assert [row["id"] for row in own] == [ours.pk]
    assert warned == []


def test_a_refused_action_fails_with_the_rule(breach, auxiliary):
    event = breach("fire_lane", beijing(2026, 3, 2, 9, 15))

    with pytest.raises(CommandError, match=r"^refused: .*only officer may \(LM-9"):
        run(
            "act", str(event.pk), "confirm", "--as", "chaoyang-auxiliary",
            "--at", "2026-03-02T11:00",
        )  # fmt: skip


def test_a_unit_user_cannot_reach_another_units_event(breach, officer, other_unit_user):
    event = breach("fire_alarm", beijing(2026, 3, 2, 10, 0))

    with pytest.raises(CommandError, match=f"event {event.pk}: not found"):
        run("show", str(event.pk), "--json", "--as", "haidian-tower")


def test_a_missing_text_names_the_option_that_carries_it(breach, officer):
    event = breach("fire_lane", beijing(2026, 3, 2, 9, 15))

    with pytest.raises(CommandError, match=r"^--text \(reason\): must not be empty$"):
        run(
            "act", str(event.pk), "dismiss", "--as", "chaoyang-officer",
            "--at", "2026-03-02T11:00",
        )  # fmt: skip


def test_a_step_dated_before_the_events_last_step_is_refused(breach, officer):
    event = breach("fire_lane", beijing(2026, 3, 2, 9, 15))

    with pytest.raises(
        CommandError,
        match=r"^refused: .*at: 2020-01-01T00:00:00\+08:00 is before the event's last",
    ):
        run(
            "act", str(event.pk), "confirm", "--as", "chaoyang-officer",
            "--at", "2020-01-01T00:00:00",
        )  # fmt: skip


def test_an_unknown_person_is_named(breach):
    event = breach("fire_alarm", beijing(2026, 3, 2, 10, 0))

    with pytest.raises(CommandError, match="--as: no person with username 'ghost'"):
        run("act", str(event.pk), "confirm", "--as", "ghost")


def test_the_unit_answers_with_a_file_from_the_command_line(
    breach, officer, unit_user, evidence_root, tmp_path
):
    event = breach("fire_lane", beijing(2026, 3, 2, 9, 15))
    run("act", str(event.pk), "confirm", "--as", "chaoyang-officer")
    photo = tmp_path / "lane.jpg"
    photo.write_bytes(b"photo")

    run(
        "act", str(event.pk), "answer", "--as", "jinghua",
        "--text", "已清理", "--file", str(photo),
    )  # fmt: skip

    [answer] = show(event)["answers"]
    assert answer["files"] == [
        {
            "name": "lane.jpg",
            "size_bytes": 5,
            "sha256": (
                "55c64d0fcd6f9d5f7c828093857e3fdfda68478bb4e9bd24d481ef391c7804e8"
            ),
        }
    ]


def test_a_step_ahead_of_the_clock_is_refused_unless_allowed(breach, officer):
    event = breach("fire_lane", beijing(2026, 3, 2, 9, 15))
    ahead = (timezone.now() + timedelta(days=1)).isoformat()

    with pytest.raises(CommandError, match="--at: .* is later than now"):
        run("act", str(event.pk), "confirm", "--as", "chaoyang-officer", "--at", ahead)
    with pytest.raises(CommandError, match="--allow-future accepts it"):
        call_command("sweep", "--at", ahead, stdout=StringIO())
    event.refresh_from_db()
    assert event.state == "awaiting_review"

    run(
        "act", str(event.pk), "confirm", "--as", "chaoyang-officer", "--at", ahead,
        "--allow-future",
    )  # fmt: skip
    event.refresh_from_db()
    assert event.state == "warned"
