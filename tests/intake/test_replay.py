"""Replay of capture files through the intake path (issue: foundation, IM-7)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from offsite.intake.models import DuplicateCount, Observation, RawRecord
from offsite.intake.replay import replay_files
from offsite.supervision.models import Event, Prompt
from tests.conftest import S1_FIRE_ALARM, S18_BAD_CHECKSUM

pytestmark = pytest.mark.django_db


def test_every_frame_of_the_haiwan_capture_is_accepted(captures_dir, unit):
    summary = replay_files([captures_dir / "haiwan-a.hex"], unit=unit)

    assert (summary.accepted, summary.rejected, summary.duplicates) == (29, 0, 0)
    assert RawRecord.objects.filter(status="accepted").count() == 29


def test_the_haiwan_fire_alarm_opens_one_fire_alarm_event(captures_dir, unit):
    summary = replay_files([captures_dir / "haiwan-a.hex"], unit=unit)

    assert dict(summary.events_opened) == {"fire_alarm": 1}
    event = Event.objects.get()
    assert event.subject == "point:1-1-20101165"


def test_a_fire_alarm_prompts_the_unit_at_once(captures_dir, unit):
    # LM-12: urgent, system-decided results prompt the unit immediately.
    replay_files([captures_dir / "haiwan-a.hex"], unit=unit)

    event = Event.objects.get(scenario__code="fire_alarm")
    assert event.state == "warned"
    prompt = Prompt.objects.get(event=event)
    assert prompt.kind == "immediate_prompt"
    assert prompt.unit == unit


def test_replaying_the_same_file_twice_opens_nothing_new(captures_dir, unit):
    replay_files([captures_dir / "haiwan-a.hex"], unit=unit)
    again = replay_files([captures_dir / "haiwan-a.hex"], unit=unit)

    assert (again.accepted, again.duplicates) == (0, 29)
    assert dict(again.events_opened) == {}
    assert again.observations == 0
    assert RawRecord.objects.count() == 29
    assert Event.objects.count() == 1


def test_a_retransmitted_frame_is_stored_once(captures_dir, unit):
    # The software-park capture holds 6 lines but only 2 distinct frames.
    summary = replay_files([captures_dir / "sixin-softwarepark.hex"], unit=unit)

    assert (summary.accepted, summary.duplicates) == (2, 4)
    assert DuplicateCount.objects.values_list("source", "count").get() == ("replay", 4)


def test_a_frame_from_an_unknown_device_is_kept_and_rejected(captures_dir):
    summary = replay_files([captures_dir / "sixin-b28.hex"])

    assert (summary.accepted, summary.rejected) == (0, 4)
    record = RawRecord.objects.first()
    assert record.status == "rejected"
    assert "source_address" in record.reject_reason
    assert "ff1280512509" in record.reject_reason


def test_a_bad_checksum_is_kept_with_its_bytes_and_reason(tmp_path: Path, unit):
    capture = tmp_path / "bad.hex"
    capture.write_text(f"# S18\n{S18_BAD_CHECKSUM.hex()}\n")

    summary = replay_files([capture], unit=unit)

    assert (summary.accepted, summary.rejected) == (0, 1)
    record = RawRecord.objects.get()
    assert bytes(record.payload) == S18_BAD_CHECKSUM
    assert record.reject_reason.startswith("checksum")


def test_a_line_that_is_not_hex_is_kept_and_rejected(tmp_path: Path, unit):
    capture = tmp_path / "garbage.hex"
    capture.write_text("40404g\n")

    summary = replay_files([capture], unit=unit)

    assert summary.rejected == 1
    assert RawRecord.objects.get().reject_reason.startswith("hex:")


def test_a_rejected_line_replayed_again_is_still_reported(tmp_path: Path, unit):
    capture = tmp_path / "garbage.hex"
    capture.write_text("40404g\n")
    replay_files([capture], unit=unit)

    again = replay_files([capture], unit=unit)

    assert (again.rejected, again.duplicates) == (0, 1)
    assert again.rejections[0]["reason"].startswith("already kept as rejected: hex:")
    assert RawRecord.objects.count() == 1


def test_an_event_walks_back_to_the_raw_bytes(tmp_path: Path, unit):
    # IM-8: event → finding → check result → observation → raw record.
    capture = tmp_path / "s1.hex"
    capture.write_text(S1_FIRE_ALARM.hex() + "\n")
    replay_files([capture], unit=unit)

    event = Event.objects.get()
    finding = event.links.get().finding
    observation = finding.check_result.observation
    assert observation.name == "fire_alarm"
    assert observation.value_bool is True
    assert bytes(observation.raw_record.payload) == S1_FIRE_ALARM


def test_observations_keep_the_device_clock_and_the_receipt_time(tmp_path, unit):
    capture = tmp_path / "s1.hex"
    capture.write_text(S1_FIRE_ALARM.hex() + "\n")
    replay_files([capture], unit=unit)

    observation = Observation.objects.get(name="fire_alarm")
    # The object's own time label: 2023-09-25 15:33:21 Beijing time.
    assert observation.observed_at.isoformat() == "2023-09-25T07:33:21+00:00"
    assert observation.received_at > observation.observed_at


def test_the_replay_command_prints_a_json_summary(captures_dir, unit):
    out = StringIO()
    call_command(
        "replay",
        str(captures_dir / "haiwan-a.hex"),
        "--unit",
        unit.credit_code,
        stdout=out,
    )

    summary = json.loads(out.getvalue())
    assert summary["accepted"] == 29
    assert summary["rejected"] == 0
    assert summary["duplicates"] == 0
    assert summary["events_opened"] == {"fire_alarm": 1}
    assert summary["events_ended"] == {}
    assert summary["observations"] > 0
    assert summary["check_results"] > 0


def test_the_replay_command_refuses_an_unknown_unit(captures_dir):
    with pytest.raises(CommandError, match="--unit"):
        call_command("replay", str(captures_dir / "haiwan-a.hex"), "--unit", "X")


def test_a_line_that_is_not_text_is_rejected_alone(tmp_path: Path, unit):
    capture = tmp_path / "mixed.hex"
    capture.write_bytes(b"# caf\xe9\n\xff\xfe\x00junk\n" + S1_FIRE_ALARM.hex().encode())

    summary = replay_files([capture], unit=unit)

    assert (summary.accepted, summary.rejected) == (1, 1)
    assert summary.rejections[0]["origin"] == "mixed.hex:2"
    assert summary.rejections[0]["reason"].startswith("hex: line holds bytes")


def test_a_byte_order_mark_does_not_spoil_the_first_frame(tmp_path: Path, unit):
    capture = tmp_path / "bom.hex"
    capture.write_bytes(b"\xef\xbb\xbf" + S1_FIRE_ALARM.hex().encode() + b"\r\n")

    summary = replay_files([capture], unit=unit)

    assert (summary.accepted, summary.rejected) == (1, 0)


def test_an_overlong_line_is_kept_only_in_part(tmp_path: Path, unit):
    capture = tmp_path / "long.hex"
    capture.write_text("40" * 10_000 + "\n")

    summary = replay_files([capture], unit=unit)

    assert summary.rejected == 1
    assert len(bytes(RawRecord.objects.get().payload)) == 4096


def test_the_replay_command_refuses_an_empty_unit_code(captures_dir):
    with pytest.raises(CommandError, match="--unit: give"):
        call_command("replay", str(captures_dir / "haiwan-a.hex"), "--unit", " ")
