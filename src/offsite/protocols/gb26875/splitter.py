"""Cut a TCP byte stream into GB/T 26875.3 frames and vendor heartbeats."""

from __future__ import annotations

from offsite.protocols.gb26875 import codes


class FrameSplitter:
    """Reassemble frames from arbitrary chunks of one connection.

    A frame is found by `@@`, sized by its length field (30 + L bytes) and
    confirmed by `##` at that end; a 12-byte `@@ … ##` with `##` at bytes
    10..11 is the Four-Faith heartbeat. Bytes that cannot start a frame are
    dropped, counted in `discarded_bytes` and handed to the caller by
    `take_discarded` (a platform keeps even the bytes it cannot read), and
    the search resumes at the next `@@`. Checksums are not checked here: a
    frame with a bad checksum is still returned so the caller can keep it
    and deny it.

    The buffer never holds more than one frame's worth of bytes (1054), so a
    peer that sends garbage cannot grow it.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._discarded = bytearray()
        self.discarded_bytes = 0

    @property
    def pending(self) -> int:
        """Return how many bytes wait for the rest of their frame."""
        return len(self._buffer)

    def feed(self, chunk: bytes) -> list[bytes]:
        """Add received bytes and return every complete frame, in order."""
        self._buffer += chunk
        frames: list[bytes] = []
        while True:
            size = self._next_size()
            if size is None:
                return frames
            frames.append(bytes(self._buffer[:size]))
            del self._buffer[:size]

    def take_pending(self) -> bytes:
        """Return the bytes still waiting for the rest of a frame, and forget them.

        For the end of a stream: what a peer sent last and never finished.
        """
        pending = bytes(self._buffer)
        self._buffer.clear()
        return pending

    def take_discarded(self) -> bytes:
        """Return the bytes dropped since the last call, and forget them.

        Call it after each `feed`: until then the dropped bytes are held, so
        a caller that never takes them lets them grow.
        """
        discarded = bytes(self._discarded)
        self._discarded.clear()
        return discarded

    def _next_size(self) -> int | None:
        """Return the size of the frame at the buffer's start, once complete."""
        buffer = self._buffer
        while True:
            self._skip_to_start()
            if len(buffer) < codes.VENDOR_HEARTBEAT_BYTES:
                return None
            if buffer[10:12] == codes.END:
                return codes.VENDOR_HEARTBEAT_BYTES
            if len(buffer) < codes.HEADER_BYTES:
                return None

            adu_length = int.from_bytes(buffer[24:26], "little")
            if adu_length <= codes.MAX_ADU_BYTES:
                size = codes.FRAME_OVERHEAD_BYTES + adu_length
                if len(buffer) < size:
                    return self._skip_to_later_frame()
                if buffer[size - 2 : size] == codes.END:
                    return size
            # Not a frame after all: drop this `@@` and look for the next one.
            self._discard(1)

    def _skip_to_later_frame(self) -> int | None:
        """Jump to a complete, checksummed frame behind an incomplete candidate.

        A stray `@` before a frame, or `@@` inside garbage, makes a candidate
        whose length field is noise; without this the real frame behind it
        would wait until the noise length was filled by later traffic.
        """
        buffer = self._buffer
        position = buffer.find(codes.START, 1)
        while position >= 0:
            size = _complete_frame_size(buffer, position)
            if size is not None:
                self._discard(position)
                return size
            position = buffer.find(codes.START, position + 1)
        return None

    def _skip_to_start(self) -> None:
        start = self._buffer.find(codes.START)
        if start >= 0:
            self._discard(start)
        elif self._buffer.endswith(codes.START[:1]):
            self._discard(len(self._buffer) - 1)
        else:
            self._discard(len(self._buffer))

    def _discard(self, count: int) -> None:
        if count:
            self._discarded += self._buffer[:count]
            del self._buffer[:count]
            self.discarded_bytes += count


def _complete_frame_size(buffer: bytearray, position: int) -> int | None:
    """Return the size of a whole frame with a good checksum at `position`."""
    header_end = position + codes.HEADER_BYTES
    if len(buffer) < header_end:
        return None
    adu_length = int.from_bytes(buffer[position + 24 : position + 26], "little")
    if adu_length > codes.MAX_ADU_BYTES:
        return None
    size = codes.FRAME_OVERHEAD_BYTES + adu_length
    end = position + size
    if len(buffer) < end or buffer[end - 2 : end] != codes.END:
        return None
    checksum_at = header_end + adu_length
    if sum(buffer[position + 2 : checksum_at]) & 0xFF != buffer[checksum_at]:
        return None
    return size
