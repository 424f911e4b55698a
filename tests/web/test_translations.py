"""The Chinese catalog covers every string of the screens and ships compiled."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import offsite

CATALOG = Path(offsite.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES"
QUOTED = r'"(?:[^"\\]|\\.)*"\n'
ENTRY = re.compile(
    rf"((?:#[^\n]*\n)*)(?:msgctxt ((?:{QUOTED})+))?"
    rf"msgid ((?:{QUOTED})+)msgstr ((?:{QUOTED})+)"
)


def _text(block: str) -> str:
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', block)
    return "".join(parts).encode().decode("unicode_escape").encode("latin-1").decode()


def _entries() -> list[tuple[str, str, str, str]]:
    """Return (comments, context, msgid, msgstr) of every live entry of the .po."""
    source = (CATALOG / "django.po").read_text(encoding="utf-8")
    return [
        (comments, _text(context), _text(msgid), _text(msgstr))
        for comments, context, msgid, msgstr in ENTRY.findall(source)
        if _text(msgid)
    ]


def test_every_string_of_the_screens_has_a_chinese_translation():
    missing = [
        msgid
        for comments, _, msgid, msgstr in _entries()
        if "web/" in comments and (not msgstr or "fuzzy" in comments)
    ]

    assert missing == []


def test_the_compiled_catalog_matches_the_source():
    with (CATALOG / "django.mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)

    def shown(context: str, msgid: str) -> str:
        return catalog.pgettext(context, msgid) if context else catalog.gettext(msgid)

    stale = [
        msgid
        for comments, context, msgid, msgstr in _entries()
        if msgstr and "fuzzy" not in comments and shown(context, msgid) != msgstr
    ]

    assert stale == []
