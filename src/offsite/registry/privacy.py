"""Masking of personal data in lists and logs (IM-8)."""

from __future__ import annotations


def mask_phone(phone: str) -> str:
    """Return the phone number with all but its first 3 and last 4 digits hidden.

    `13812345678` becomes `138****5678`; a number too short to keep 7
    digits visible keeps only its last 2.
    """
    digits = "".join(char for char in phone if char.isdigit())
    # A Chinese number written with its country code (+86, 0086) is masked
    # as the national number it is.
    for country in ("0086", "86"):
        if digits.startswith(country) and len(digits) == len(country) + 11:
            digits = digits[len(country) :]
    if not digits:
        return ""
    if len(digits) >= 11:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    if len(digits) > 2:
        return "*" * (len(digits) - 2) + digits[-2:]
    return "*" * len(digits)
