"""The run's terminal as an asciicast v2 recording and the page that plays it: the vendored player is the one
published, the recording keeps its timing, and no text of the recording can become markup or script."""

from __future__ import annotations

import base64
import hashlib
import json
import re

from p2p_conformance.pytest_plugin.terminal_recording import TerminalRecording
from p2p_conformance.report.cast import PLAYER, Written, asciicast, player_page, recording_files
from p2p_conformance.safety import RunSecrets

HOSTILE = '</script><script>alert("x")</script><!-- & \x1b]0;title\x07'


def test_the_vendored_player_is_the_published_one() -> None:
    """SOURCE.md records each vendored file's SHA-256 as taken from the npm package: nobody edited them since."""
    recorded = dict(
        reversed(line.split())
        for line in (PLAYER / "SOURCE.md").read_text().splitlines()
        if re.match(r" {4}\w{64} ", line)
    )
    assert set(recorded) == {"asciinema-player.min.js", "asciinema-player.css"}
    for name, digest in recorded.items():
        assert hashlib.sha256((PLAYER / name).read_bytes()).hexdigest() == digest, name
    assert "Apache License" in (PLAYER / "LICENSE").read_text()


def test_a_recording_is_asciicast_v2_with_its_timing() -> None:
    cast = asciicast([Written(0.5, "one\r\n"), Written(2.25, "two")], 120, 1_700_000_000.9, "a run")
    header, *events = (json.loads(line) for line in cast.splitlines())
    assert header == {"version": 2, "width": 120, "height": 40, "timestamp": 1_700_000_000, "title": "a run"}
    assert events == [[0.5, "o", "one\r\n"], [2.25, "o", "two"]]


def test_server_text_in_a_recording_stays_data_in_the_page() -> None:
    files = recording_files([Written(0.1, HOSTILE)], 80, 0.0, 'a "title" <b>')
    page = files["run.html"]
    assert HOSTILE not in page and "<script>alert" not in page
    data = re.search(r'<script type="application/json" id="c2c-cast">(.*?)</script>', page, flags=re.S)
    assert data is not None
    assert json.loads(json.loads(data.group(1)).splitlines()[1])[2] == HOSTILE  # the recording, intact
    assert "&lt;b&gt;" in page and "<b>" not in page


def test_the_page_runs_only_the_player_and_its_start_by_their_hashes() -> None:
    page = player_page(asciicast([Written(1.0, "x")], 80, 0.0, "t"), "t", 1.0)
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert policy is not None and "default-src &#39;none&#39;" in policy.group(1)
    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    assert len(scripts) == 2
    for script in scripts:
        digest = hashlib.sha256(script.encode()).digest()
        assert f"sha256-{base64.b64encode(digest).decode()}" in policy.group(1)


def test_a_secret_written_to_the_terminal_never_reaches_the_recording() -> None:
    """A canary key and secret, and a signature, written to the terminal: the recording keeps none of them, and
    a secret learned later in the run (a chat credential) is redacted from the pieces written after it."""
    canary_key, canary_secret = "CanaryKeyCast" + "t" * 51, "CanarySecretCast" + "s" * 48
    secrets = RunSecrets([canary_key, canary_secret])
    recording = TerminalRecording(secrets)
    recording.add(f"key={canary_key} secret={canary_secret}\n")
    recording.add("GET /sapi/v1/c2c/ads/getAds?timestamp=1&signature=" + "a" * 64 + "\n")
    secrets.learn(["listenKeyCanary0001"])
    recording.add("wss://chat.example.invalid/listenKeyCanary0001\n")
    kept = "".join(piece.text for piece in recording.pieces)
    assert canary_key not in kept and canary_secret not in kept and "a" * 64 not in kept
    assert "listenKeyCanary0001" not in kept
    assert kept.count("\r\n") == 3  # as a terminal shows a line's end
