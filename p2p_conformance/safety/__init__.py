"""Keeping secrets out of everything the suite writes: redaction, and the cassette guard.

Every other layer gets the texts to redact from :func:`secrets_of`, never from a key's insides.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator

from p2p_conformance.signer import Key, secret_texts


def secrets_of(keys: Iterable[Key]) -> tuple[str, ...]:
    """Every text of ``keys`` that must never be written: API keys, and HMAC secrets."""
    return tuple(text for key in keys for text in secret_texts(key))


class RunSecrets:
    """The texts a run must never write: its keys' from the start, and each secret it learns on the way (a chat
    credential's ``listenKey`` and ``listenToken``) as soon as it is read, for every redaction that comes after
    (tracebacks with ``--showlocals``, logs, report files). Iterating gives the texts known at that moment."""

    def __init__(self, known: Iterable[str] = ()) -> None:
        self._texts = list(dict.fromkeys(text for text in known if text))
        self._lock = threading.Lock()

    def learn(self, texts: Iterable[str]) -> None:
        with self._lock:
            self._texts = list(dict.fromkeys([*self._texts, *(text for text in texts if text)]))

    def __iter__(self) -> Iterator[str]:
        return iter(tuple(self._texts))

    def __repr__(self) -> str:  # never the texts
        return f"RunSecrets({len(self._texts)} texts)"
