"""Keeping secrets out of everything the suite writes: redaction, and the cassette guard.

Every other layer gets the texts to redact from :func:`secrets_of`, never from a key's insides.
"""

from __future__ import annotations

from collections.abc import Iterable

from p2p_conformance.signer import Key, secret_texts


def secrets_of(keys: Iterable[Key]) -> tuple[str, ...]:
    """Every text of ``keys`` that must never be written: API keys, and HMAC secrets."""
    return tuple(text for key in keys for text in secret_texts(key))
