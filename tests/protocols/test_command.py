"""`offsite gb26875 decode`: a frame as JSON, bad frames named on stderr."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.protocols.samples import (
    S1_COMPONENT_FIRE,
    S12_LIBRARY_FIRE,
    S18_BAD_CHECKSUM,
)


def run_decode(*args: str) -> dict:
    out = io.StringIO()
    call_command("gb26875", "decode", *args, stdout=out)
    return json.loads(out.getvalue())


def test_decode_prints_header_type_names_and_objects():
    shown = run_decode(S1_COMPONENT_FIRE.hex())

    assert shown["header"]["serial"] == 72
    assert shown["header"]["sent_at"] == "2023-09-25 15:33:42"
    assert shown["header"]["command_name"] == {"zh": "发送数据", "en": "send data"}
    assert shown["app_type"] == 2
    assert shown["app_type_name"] == {
        "zh": "上传建筑消防设施部件运行状态",
        "en": "component status",
    }
    [component] = shown["objects"]
    assert component["component_address"] == 20101165
    assert component["component_type_name"] == "剩余电流式电气火灾监控探测器"
    assert component["states"] == ["fire_alarm"]
    assert component["description_raw"] == "20" * 31
    assert component["occurred_at"] == "2023-09-25 15:33:21"


def test_decode_shows_the_description_text():
    shown = run_decode(S12_LIBRARY_FIRE.hex())

    assert shown["objects"][0]["description"] == "Ａ区１层呷哺走廊"


def test_decode_accepts_hex_with_spaces():
    spaced = " ".join(f"{byte:02X}" for byte in S1_COMPONENT_FIRE)

    shown = run_decode(spaced)

    assert shown["raw"] == S1_COMPONENT_FIRE.hex()


def test_decode_accepts_hex_split_over_arguments():
    text = S1_COMPONENT_FIRE.hex()

    shown = run_decode(text[:40], text[40:])

    assert shown["header"]["serial"] == 72


def test_decode_of_a_bad_checksum_names_the_field():
    with pytest.raises(CommandError) as caught:
        call_command("gb26875", "decode", S18_BAD_CHECKSUM.hex(), stdout=io.StringIO())

    assert str(caught.value) == "checksum: frame says 0x00, bytes 2..74 sum to 0x2d"


def test_decode_of_text_that_is_not_hex_names_the_field():
    with pytest.raises(CommandError) as caught:
        call_command("gb26875", "decode", "40 40 zz", stdout=io.StringIO())

    assert str(caught.value) == "hex: 'z' is not a hexadecimal digit (0-9, a-f)"


def test_decode_of_an_odd_number_of_digits_says_so():
    with pytest.raises(CommandError) as caught:
        call_command("gb26875", "decode", "40 40 2", stdout=io.StringIO())

    assert str(caught.value) == "hex: odd number of hexadecimal digits (5)"


def test_decode_stdin_prints_one_json_line_per_frame(monkeypatch, captures_dir):
    capture = (captures_dir / "sixin-xiasha.hex").read_text()
    monkeypatch.setattr(sys, "stdin", io.StringIO(capture))
    out = io.StringIO()

    call_command("gb26875", "decode", "-", stdout=out)

    lines = out.getvalue().splitlines()
    assert len(lines) == 4
    assert [json.loads(line)["header"]["serial"] for line in lines] == [2, 3, 0, 1]


def test_decode_stdin_reports_bad_lines_and_fails(monkeypatch):
    text = f"# two frames\n{S1_COMPONENT_FIRE.hex()}\n{S18_BAD_CHECKSUM.hex()}\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError) as caught:
        call_command("gb26875", "decode", "-", stdout=out, stderr=err)

    assert str(caught.value) == "1 frame(s) could not be decoded"
    assert len(out.getvalue().splitlines()) == 1
    assert err.getvalue().strip() == (
        "line 3: checksum: frame says 0x00, bytes 2..74 sum to 0x2d"
    )


def offsite(home, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "OFFSITE_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "offsite.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_offsite_command_exits_non_zero_on_s18(tmp_path):
    result = offsite(tmp_path, "gb26875", "decode", S18_BAD_CHECKSUM.hex())

    assert result.returncode == 1
    assert "checksum: frame says 0x00, bytes 2..74 sum to 0x2d" in result.stderr
    assert result.stdout == ""


def test_offsite_command_exits_zero_on_a_good_frame(tmp_path):
    result = offsite(tmp_path, "gb26875", "decode", S1_COMPONENT_FIRE.hex())

    assert result.returncode == 0
    assert json.loads(result.stdout)["header"]["serial"] == 72
