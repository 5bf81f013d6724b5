"""A plain ``pytest`` is offline: live tests are deselected and only loopback is reachable."""

from __future__ import annotations

import pytest

from signer import vectors

TESTS = """
import socket
import pytest

@pytest.mark.live
def test_live():
    pass

def test_offline():
    pass

def test_non_loopback_connection_is_blocked():
    # 127.0.0.2 is not on the allowed list; were the guard missing, this would still stay on this machine.
    with pytest.raises(Exception, match="Network is disabled"):
        socket.create_connection(("127.0.0.2", 9), timeout=0.1)
"""


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    """A throwaway project with one live test and one offline test, using this suite's plugin."""
    pytester.makeini("[pytest]\nmarkers =\n    live: live\naddopts = -p p2p_conformance.plugin\n")
    pytester.makepyfile(TESTS)
    return pytester


def test_plain_run_deselects_live_tests_and_blocks_the_network(suite: pytest.Pytester) -> None:
    result = suite.runpytest("-v")
    result.assert_outcomes(passed=2, deselected=1)
    result.stdout.fnmatch_lines(["*test_offline PASSED*", "*test_non_loopback_connection_is_blocked PASSED*"])


@pytest.mark.parametrize("expression", ["live", "live and not slow"])
def test_marker_expression_naming_live_selects_live_tests(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, expression: str
) -> None:
    monkeypatch.setenv("BINANCE_API_KEY", vectors.BINANCE_API_KEY)
    monkeypatch.setenv("BINANCE_API_SECRET", vectors.BINANCE_SECRET)
    suite.runpytest("-m", expression, "-k", "test_live").assert_outcomes(passed=1, deselected=2)


def test_live_run_without_credentials_fails_with_one_line_saying_what_to_set(suite: pytest.Pytester) -> None:
    result = suite.runpytest("-m", "live")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: live run: BINANCE_API_KEY is not set: put it in the environment or in .env*"])
    assert len([line for line in result.stderr.lines if line.strip()]) == 1, result.stderr.str()


def test_emulator_without_live_marker_is_refused(suite: pytest.Pytester) -> None:
    result = suite.runpytest("--emulator")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --emulator runs the live tests: add -m live"])


def test_recording_without_live_is_refused(suite: pytest.Pytester) -> None:
    result = suite.runpytest("--record-mode=rewrite")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --record-mode records cassettes from a live target: add -m live*"])
