"""The form of a provider's API key: `osk_<prefix>_<secret>`.

The prefix (8 hex digits) finds the stored row; the secret is 32 random
bytes from `secrets`, URL-safe base64. Only the SHA-256 of the whole key is
stored, so a leaked database does not leak keys.
"""

from __future__ import annotations

import hashlib
import secrets

SCHEME = "osk"
PREFIX_HEX_DIGITS = 8
SECRET_BYTES = 32


def new_prefix() -> str:
    """Return a random prefix of 8 hex digits."""
    return secrets.token_hex(PREFIX_HEX_DIGITS // 2)


def new_key(prefix: str) -> str:
    """Return a new plaintext key with this prefix and a fresh secret."""
    return f"{SCHEME}_{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"


def prefix_of(key: str) -> str | None:
    """Return the prefix of a well-formed key, or None."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != SCHEME:
        return None
    prefix, secret = parts[1], parts[2]
    if len(prefix) != PREFIX_HEX_DIGITS or not secret:
        return None
    return prefix


def digest(key: str) -> str:
    """Return the hex SHA-256 under which a key is stored."""
    return hashlib.sha256(key.encode()).hexdigest()
