"""`offsite gb26875 decode HEX`: show what a GB/T 26875.3 frame says."""

from __future__ import annotations

import json
import string
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from offsite.protocols.gb26875 import FrameError, decode, describe


class Command(BaseCommand):
    help = (
        "Decode GB/T 26875.3 frames. `decode HEX` prints one frame as indented "
        "JSON (spaces in the hex are allowed); `decode -` reads one hex frame per "
        "line from standard input ('#' starts a comment) and prints one JSON "
        "object per line. A bad frame is reported on standard error with the "
        "field at fault, and the exit status is non-zero."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        decode_parser = actions.add_parser(
            "decode",
            help="decode a frame given in hex, or '-' for lines on stdin",
            called_from_command_line=getattr(parser, "called_from_command_line", None),
        )
        decode_parser.add_argument(
            "hex", nargs="+", help="the frame in hex (may be split by spaces), or -"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        parts: list[str] = options["hex"]
        if parts == ["-"]:
            self._decode_lines(sys.stdin)
            return
        try:
            frame = decode(_frame_bytes("".join(parts)))
        except FrameError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(json.dumps(describe(frame), ensure_ascii=False, indent=2))

    def _decode_lines(self, lines) -> None:
        failed = 0
        for number, line in enumerate(lines, 1):
            text = line.split("#", 1)[0].strip()
            if not text:
                continue
            try:
                frame = decode(_frame_bytes(text))
            except FrameError as error:
                failed += 1
                self.stderr.write(f"line {number}: {error}")
                continue
            self.stdout.write(json.dumps(describe(frame), ensure_ascii=False))
        if failed:
            raise CommandError(f"{failed} frame(s) could not be decoded")


def _frame_bytes(text: str) -> bytes:
    digits = "".join(text.split())
    stray = next((ch for ch in digits if ch not in string.hexdigits), None)
    if stray is not None:
        raise FrameError("hex", f"{stray!r} is not a hexadecimal digit (0-9, a-f)")
    if len(digits) % 2:
        raise FrameError("hex", f"odd number of hexadecimal digits ({len(digits)})")
    return bytes.fromhex(digits)
