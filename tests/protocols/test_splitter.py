"""The splitter cuts a TCP stream into frames whatever the chunking."""

from __future__ import annotations

from offsite.protocols.gb26875 import FrameSplitter
from tests.protocols.samples import (
    S1_COMPONENT_FIRE,
    S2_DEVICE_CLOCK,
    S8_CONFIRM,
    S11_VENDOR_HEARTBEAT,
    S18_BAD_CHECKSUM,
)


def feed_all(chunks: list[bytes]) -> tuple[list[bytes], FrameSplitter]:
    splitter = FrameSplitter()
    frames: list[bytes] = []
    for chunk in chunks:
        frames += splitter.feed(chunk)
    return frames, splitter


def test_frame_split_at_every_byte_position_is_reassembled():
    for cut in range(1, len(S1_COMPONENT_FIRE)):
        chunks = [S1_COMPONENT_FIRE[:cut], S1_COMPONENT_FIRE[cut:]]

        frames, splitter = feed_all(chunks)

        assert frames == [S1_COMPONENT_FIRE], cut
        assert splitter.pending == 0


def test_frame_fed_one_byte_at_a_time_is_reassembled():
    frames, _ = feed_all([bytes((b,)) for b in S1_COMPONENT_FIRE])

    assert frames == [S1_COMPONENT_FIRE]


def test_two_frames_in_one_chunk_come_out_in_order():
    frames, _ = feed_all([S1_COMPONENT_FIRE + S2_DEVICE_CLOCK])

    assert frames == [S1_COMPONENT_FIRE, S2_DEVICE_CLOCK]


def test_a_frame_and_the_start_of_the_next_keep_the_rest_pending():
    splitter = FrameSplitter()

    first = splitter.feed(S1_COMPONENT_FIRE + S2_DEVICE_CLOCK[:10])
    second = splitter.feed(S2_DEVICE_CLOCK[10:])

    assert first == [S1_COMPONENT_FIRE]
    assert second == [S2_DEVICE_CLOCK]


def test_vendor_heartbeat_is_cut_at_12_bytes():
    frames, _ = feed_all([S11_VENDOR_HEARTBEAT + S8_CONFIRM + S11_VENDOR_HEARTBEAT])

    assert frames == [S11_VENDOR_HEARTBEAT, S8_CONFIRM, S11_VENDOR_HEARTBEAT]


def test_garbage_before_a_frame_is_dropped_and_counted():
    frames, splitter = feed_all([b"\x00\xffGARBAGE" + S8_CONFIRM])

    assert frames == [S8_CONFIRM]
    assert splitter.discarded_bytes == 9
    assert splitter.take_discarded() == b"\x00\xffGARBAGE"
    assert splitter.take_discarded() == b""


def test_stray_at_sign_before_a_frame_does_not_hide_it():
    frames, splitter = feed_all([b"@" + S1_COMPONENT_FIRE])

    assert frames == [S1_COMPONENT_FIRE]
    assert splitter.discarded_bytes == 1


def test_false_start_with_a_long_length_does_not_hold_back_a_frame():
    # "@@" and 25 bytes of noise whose length field says 1000 bytes.
    noise = b"@@" + bytes(22) + (1000).to_bytes(2, "little") + b"\x02"

    frames, _ = feed_all([noise + S2_DEVICE_CLOCK])

    assert frames == [S2_DEVICE_CLOCK]


def test_frame_with_a_bad_checksum_is_still_cut_for_the_caller_to_deny():
    frames, _ = feed_all([S18_BAD_CHECKSUM])

    assert frames == [S18_BAD_CHECKSUM]


def test_length_over_1024_is_not_waited_for():
    bogus = S1_COMPONENT_FIRE[:24] + (5000).to_bytes(2, "little") + b"\x02"

    frames, _ = feed_all([bogus + S8_CONFIRM])

    assert frames == [S8_CONFIRM]


def test_garbage_without_frames_leaves_at_most_one_byte_pending():
    splitter = FrameSplitter()

    frames = splitter.feed(b"x" * 10_000 + b"@")

    assert frames == []
    assert splitter.pending == 1
    assert splitter.discarded_bytes == 10_000
    assert splitter.take_discarded() == b"x" * 10_000


def test_a_capture_file_streamed_in_odd_chunks_gives_all_its_frames(captures_dir):
    lines = (captures_dir / "sixin-m6a.hex").read_text().splitlines()
    expected = [bytes.fromhex(line) for line in lines if not line.startswith("#")]
    stream = b"".join(expected)

    frames, _ = feed_all([stream[i : i + 7] for i in range(0, len(stream), 7)])

    assert len(frames) == 21
    assert frames == expected


def test_every_byte_fed_is_a_frame_a_dropped_byte_or_pending():
    stream = b"junk@" + S8_CONFIRM + b"@@" + bytes(30) + S1_COMPONENT_FIRE + b"tail@"
    splitter = FrameSplitter()

    frames = []
    dropped = b""
    for start in range(0, len(stream), 7):
        frames += splitter.feed(stream[start : start + 7])
        dropped += splitter.take_discarded()

    assert frames == [S8_CONFIRM, S1_COMPONENT_FIRE]
    assert len(b"".join(frames)) + len(dropped) + splitter.pending == len(stream)


def test_the_unfinished_end_of_a_stream_can_be_taken():
    splitter = FrameSplitter()

    frames = splitter.feed(S8_CONFIRM + S1_COMPONENT_FIRE[:20])

    assert frames == [S8_CONFIRM]
    assert splitter.take_pending() == S1_COMPONENT_FIRE[:20]
    assert splitter.pending == 0
