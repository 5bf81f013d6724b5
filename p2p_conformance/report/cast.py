"""The run as it happened, to watch: its terminal as an asciicast v2 recording (``run.cast``), and a page that
plays it in the browser with nothing to install (``run.html``, asciinema-player inlined).

asciicast v2 is the format asciinema records and plays (https://docs.asciinema.org/manual/asciicast/v2/): a
header line (a JSON object: version, width, height, start time) then one JSON array a line, ``[seconds since
the start, "o", text written]``. What is recorded is what the terminal was sent, each piece redacted before it
is kept (:mod:`p2p_conformance.pytest_plugin.terminal_recording`); the page plays the recording as recorded,
its real pauses included (the player's bar skips them).
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.resources import files

from markupsafe import Markup

from p2p_conformance.report.html import RUN_PLAYER_NAME, render

CAST_NAME = "run.cast"
PLAYER = files("p2p_conformance.report") / "vendor" / "asciinema-player"
TERMINAL_ROWS = 40


@dataclass(frozen=True)
class Written:
    """A piece of the terminal's output: when it was written (seconds since the recording started) and what."""

    seconds: float
    text: str


def asciicast(written: Iterable[Written], width: int, started: float, title: str) -> str:
    """The recording in asciicast v2 (``started``: epoch seconds); a terminal of ``width`` columns."""
    header = {"version": 2, "width": width, "height": TERMINAL_ROWS, "timestamp": int(started), "title": title}
    lines = [json.dumps(header, ensure_ascii=True)]
    lines += [json.dumps([round(piece.seconds, 6), "o", piece.text], ensure_ascii=True) for piece in written]
    return "\n".join(lines) + "\n"


def _inline_json(text: str) -> Markup:
    """``text`` as a JSON string literal that cannot end its ``<script>`` element (``<``, ``>`` and ``&`` as
    escapes): the recording holds server text, data only."""
    quoted = json.dumps(text, ensure_ascii=True)
    return Markup(quoted.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _source_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode() + "'"


def _start_script(seconds: float) -> str:
    """The line that starts the player: the recording from the page, its last frame shown until play is pressed
    (the verdict, at once), then played from the start as recorded. The frame shown is the one a whole second
    after the last piece (the player draws a time at the very end of a recording as it draws its start)."""
    return (
        "AsciinemaPlayer.create({data: JSON.parse(document.getElementById('c2c-cast').textContent)}, "
        f"document.getElementById('c2c-player'), {{fit: 'width', poster: 'npt:{math.ceil(seconds) + 1}'}});"
    )


def player_page(cast: str, title: str, seconds: float) -> str:
    """``run.html``: the recording inlined (data, never code) and played by the vendored asciinema-player, its
    last frame (at ``seconds``) shown first. Its Content-Security-Policy runs the player's script and the line
    that starts it, by their hashes, nothing else: no other script, no request anywhere."""
    start = _start_script(seconds)
    player = (PLAYER / "asciinema-player.min.js").read_text(encoding="utf-8")
    styles = (PLAYER / "asciinema-player.css").read_text(encoding="utf-8")
    policy = (
        "default-src 'none'; "
        f"script-src {_source_hash(player)} {_source_hash(start)} 'wasm-unsafe-eval'; "
        "style-src 'unsafe-inline'; img-src data:; font-src data:"
    )
    return render(
        "run_player.html",
        title=title,
        policy=policy,
        player=Markup(player),  # the vendored player, checked against its published hash
        styles=Markup(styles),  # the player's own stylesheet, vendored beside it
        start=Markup(start),  # this module's, a number its only variable part
        cast=_inline_json(cast),
    )


def recording_files(written: Iterable[Written], width: int, started: float, title: str) -> dict[str, str]:
    """``run.cast`` and ``run.html``, by name."""
    pieces = list(written)
    cast = asciicast(pieces, width, started, title)
    return {CAST_NAME: cast, RUN_PLAYER_NAME: player_page(cast, title, pieces[-1].seconds if pieces else 0.0)}
