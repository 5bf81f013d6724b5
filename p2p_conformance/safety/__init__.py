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


MIN_LEARNED_CHARS = 8  # a secret the run learns is at least this long, or it is no credential (see learn)


class RunSecrets:
    """The texts a run must never write: its keys' from the start, and each secret it learns on the way (a chat
    credential's ``listenKey`` and ``listenToken``) as soon as it is read, for every redaction that comes after
    (tracebacks with ``--showlocals``, logs, report files). Iterating gives the texts known at that moment."""

    def __init__(self, known: Iterable[str] = ()) -> None:
        self._texts = list(dict.fromkeys(text for text in known if text))
        self._lock = threading.Lock()

    def learn(self, texts: Iterable[str]) -> None:
        """Add what the run read (a credential's values). A value shorter than :data:`MIN_LEARNED_CHARS` is not
        learned: redacting it wherever its text occurs would blank every such letter of every page (a hostile
        server's one-letter listenKey turned ``<html lang="en">`` into ``DACTEDng="en">``); where it stands it is
        replaced all the same (the socket's address is shown with ``REDACTED`` in its place, a credential
        answer's body is scrubbed by field), and the socket check refuses a credential that short."""
        with self._lock:
            kept = (text for text in texts if len(text) >= MIN_LEARNED_CHARS)
            self._texts = list(dict.fromkeys([*self._texts, *kept]))

    def __iter__(self) -> Iterator[str]:
        return iter(tuple(self._texts))

    def __repr__(self) -> str:  # never the texts
        return f"RunSecrets({len(self._texts)} texts)"
