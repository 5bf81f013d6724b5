"""``p2p-conformance [pytest's options and the suite's]``: the suite's tests, from any folder. It only hands its
arguments to pytest: the same as ``pytest --pyargs p2p_conformance.suite [...]``."""

from __future__ import annotations

import sys

import pytest

from p2p_conformance.model import SUITE_VERSION
from p2p_conformance.pytest_plugin.scope import SUITE_MODULE

# This script is part of the package it runs: the package is imported before pytest can mark it for assertion
# rewriting (its plugin's entry point), and pytest would warn of it in every run. The suite's test module is
# imported later, and rewritten. (A -W message is matched literally, from its start.)
ALREADY_IMPORTED = (
    "ignore:Module already imported so cannot be rewritten; p2p_conformance:pytest.PytestAssertRewriteWarning"
)


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if "--version" in arguments or "-V" in arguments:  # the suite's version first, then pytest's own line
        sys.stdout.write(f"p2p-conformance {SUITE_VERSION}\n")
    return int(pytest.main(["-W", ALREADY_IMPORTED, "--pyargs", SUITE_MODULE, *arguments]))
