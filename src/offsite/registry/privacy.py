"""Masking of personal data in lists and logs (IM-8)."""

from __future__ import annotations


def mask_phone(phone: str) -> str:
    """Return the phone number with all but its first 3 and last 4 digits hidden.

    `13812345678` becomes `138****5678`; a number too short to keep 7
    digits visible keeps only its last 2.
    """
    digits = [char for char in phone if char.isdigit()]
    if not digits:
        return ""
    if len(digits) >= 11:
        return "".join(digits[:3]) + "*" * (len(digits) - 7) + "".join(digits[-4:])
    if len(digits) > 2:
        return "*" * (len(digits) - 2) + "".join(digits[-2:])
    return "*" * len(digits)
