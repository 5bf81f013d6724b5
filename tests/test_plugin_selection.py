"""A plain ``pytest`` is offline: live tests are deselected and only loopback is reachable."""

from __future__ import annotations

import pytest

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
def test_marker_expression_naming_live_selects_live_tests(suite: pytest.Pytester, expression: str) -> None:
    suite.runpytest("-m", expression, "-k", "test_live").assert_outcomes(passed=1, deselected=2)
