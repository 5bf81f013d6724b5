"""The run's terminal, recorded for the bundle (``--bundle``): every piece pytest's terminal writer sends, with
the time it was sent, each redacted before it is kept (:mod:`p2p_conformance.report.cast` makes the asciicast and
its player page). The terminal still gets every byte as before."""

from __future__ import annotations

import threading
import time
from typing import IO, Any

import pytest

from p2p_conformance.report.cast import Written
from p2p_conformance.safety import RunSecrets
from p2p_conformance.safety.redaction import redact_text

MAX_RECORDED_CHARACTERS = 5_000_000  # a bound on memory: a longer run's recording ends there (said in it)


class _Tee:
    """The terminal writer's file: writes go on to it, and a redacted copy with its time to the recording."""

    def __init__(self, file: IO[str], recording: TerminalRecording) -> None:
        self._file = file
        self._recording = recording

    def write(self, text: str) -> int:
        self._recording.add(text)
        return self._file.write(text)

    def __getattr__(self, name: str) -> Any:  # flush, isatty, encoding...: the terminal's own
        return getattr(self._file, name)


class TerminalRecording:
    """What the terminal was sent since :meth:`start`, piece by piece, secrets redacted."""

    def __init__(self, secrets: RunSecrets) -> None:
        self.secrets = secrets
        self.pieces: list[Written] = []
        self.started = time.time()
        self.width = 80
        self._clock_start = time.monotonic()
        self._size = 0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"TerminalRecording({len(self.pieces)} pieces)"

    def start(self, config: pytest.Config) -> bool:
        """Record the terminal reporter's writer from now on; False when the run has none (``-p no:terminal``)."""
        terminal = config.pluginmanager.get_plugin("terminalreporter")
        writer = getattr(terminal, "_tw", None)
        if writer is None or not hasattr(writer, "_file"):
            return False
        self.width = int(getattr(writer, "fullwidth", 80))
        self.started, self._clock_start = time.time(), time.monotonic()
        writer._file = _Tee(writer._file, self)
        return True

    def add(self, text: str) -> None:
        if not text:
            return
        with self._lock:
            if self._size >= MAX_RECORDED_CHARACTERS:
                return
            kept = redact_text(text, self.secrets).replace("\r\n", "\n").replace("\n", "\r\n")  # as a terminal shows it
            self._size += len(kept)
            if self._size >= MAX_RECORDED_CHARACTERS:
                kept += "\r\n[the recording ends here: its bound of 5,000,000 characters was reached]\r\n"
            self.pieces.append(Written(time.monotonic() - self._clock_start, kept))
