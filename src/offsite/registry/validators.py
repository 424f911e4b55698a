"""Checks of registry fields that are more than a length: addresses, phones."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError

# GB/T 26875.3: the source address is 6 bytes; it is kept as the 12 hex
# digits of those bytes read as a little-endian integer (see models.Device).
SOURCE_ADDRESS_RE = re.compile(r"[0-9a-f]{12}")

# A mobile number (11 digits) or a landline with area code and extension;
# digits with an optional leading "+" and "-" or spaces between groups.
PHONE_RE = re.compile(r"\+?[0-9][0-9 -]{5,18}[0-9]")


def normalize_source_address(address: str) -> str:
    """Return the address stripped of blanks and in lower case."""
    return address.strip().lower()


def validate_source_address(address: str) -> None:
    """Raise ValidationError unless the address is 12 lower-case hex digits."""
    if not SOURCE_ADDRESS_RE.fullmatch(address):
        raise ValidationError(
            f"must be 12 lower-case hex digits, got {address!r}",
            code="source_address",
        )


def validate_phone(phone: str) -> None:
    """Raise ValidationError unless the phone number looks dialable."""
    if not PHONE_RE.fullmatch(phone):
        raise ValidationError(
            "must be digits, optionally with '+', '-' or spaces", code="phone"
        )


def validate_printable(text: str, *, field: str) -> None:
    """Refuse control characters (escapes, line breaks) in a name."""
    bad = [ch for ch in text if unicodedata.category(ch) in ("Cc", "Cf")]
    if bad:
        raise ValidationError(
            {field: f"must not hold control characters (found {bad[0]!r})"}
        )
