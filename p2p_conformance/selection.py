"""Which tests a run selects: opt-in tests (live, browser) only when ``-m`` names them."""

from __future__ import annotations

import re

import pytest

LIVE_MARKER = "live"
OPT_IN_MARKERS = (LIVE_MARKER, "browser")
LOOPBACK_HOSTS = r"127\.0\.0\.1$,localhost$,::1$"  # pytest-recording matches these regexes from the start


def marker_requested(config: pytest.Config, marker: str) -> bool:
    """True when the ``-m`` expression names ``marker`` (``-m live``, ``-m "live and ..."``)."""
    return re.search(rf"\b{marker}\b", config.option.markexpr or "") is not None


def live_requested(config: pytest.Config) -> bool:
    return marker_requested(config, LIVE_MARKER)


def deselect_opt_in_unless_requested(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep a plain ``pytest`` offline and quick: drop live and browser tests unless ``-m`` names them."""
    unwanted = [marker for marker in OPT_IN_MARKERS if not marker_requested(config, marker)]
    dropped = [item for item in items if any(item.get_closest_marker(marker) for marker in unwanted)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        dropped_set = set(dropped)
        items[:] = [item for item in items if item not in dropped_set]


def block_network_unless_live(config: pytest.Config) -> None:
    """Offline runs may open connections to loopback only (pytest-recording's network guard)."""
    if not live_requested(config):
        config.option.block_network = True
        config.option.allowed_hosts = config.option.allowed_hosts or LOOPBACK_HOSTS
