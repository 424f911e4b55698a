"""Every real capture decodes and encodes back to the same bytes (IM-7)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from offsite.protocols.gb26875 import Frame, decode, encode

# Frames per capture file (lines that are not blank and not '#' comments).
EXPECTED_FRAMES = {
    "haiwan-a.hex": 29,
    "sixin-b28.hex": 4,
    "sixin-m6a.hex": 21,
    "sixin-sanhe9.hex": 7,
    "sixin-softwarepark.hex": 6,
    "sixin-xiasha.hex": 4,
}


def read_capture(path: Path) -> list[bytes]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [bytes.fromhex(line) for line in lines if line]


def all_capture_frames(captures_dir: Path) -> list[tuple[str, bytes]]:
    return [
        (path.name, data)
        for path in sorted(captures_dir.glob("*.hex"))
        for data in read_capture(path)
    ]


def test_capture_files_are_the_expected_ones(captures_dir):
    names = sorted(path.name for path in captures_dir.glob("*.hex"))

    assert names == sorted(EXPECTED_FRAMES)


@pytest.mark.parametrize("name", sorted(EXPECTED_FRAMES))
def test_every_frame_of_a_capture_decodes(captures_dir, name):
    frames = [decode(data) for data in read_capture(captures_dir / name)]

    assert len(frames) == EXPECTED_FRAMES[name]
    assert all(isinstance(frame, Frame) for frame in frames)


@pytest.mark.parametrize("name", sorted(EXPECTED_FRAMES))
def test_every_frame_of_a_capture_encodes_to_the_same_bytes(captures_dir, name):
    for data in read_capture(captures_dir / name):
        assert encode(decode(data)) == data


def test_haiwan_capture_is_keep_alives_with_one_fire_and_one_silence(captures_dir):
    frames = [decode(data) for data in read_capture(captures_dir / "haiwan-a.hex")]

    assert Counter(frame.app_type for frame in frames) == {28: 27, 4: 1, 2: 1}


def test_four_faith_captures_are_clocks_and_printer_lines(captures_dir):
    frames = [
        decode(data)
        for name, data in all_capture_frames(captures_dir)
        if name.startswith("sixin-")
    ]

    assert Counter(frame.app_type for frame in frames) == {9: 38, 8: 4}
    assert {frame.header.version_main for frame in frames} == {2}
