"""``p2p-conformance [pytest's options and the suite's]``: the suite's tests, from any folder. It only hands its
arguments to pytest: the same as ``pytest --pyargs p2p_conformance.suite [...]``."""

from __future__ import annotations

import sys

import pytest

from p2p_conformance.pytest_plugin.scope import SUITE_MODULE


def main(argv: list[str] | None = None) -> int:
    return int(pytest.main(["--pyargs", SUITE_MODULE, *(sys.argv[1:] if argv is None else argv)]))
