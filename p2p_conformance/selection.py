"""Which tests a run selects: live tests only when ``-m`` asks for them."""

from __future__ import annotations

import re

import pytest

LIVE_MARKER = "live"
LOOPBACK_HOSTS = r"127\.0\.0\.1$,localhost$,::1$"  # pytest-recording matches these regexes from the start


def live_requested(config: pytest.Config) -> bool:
    """True when the ``-m`` expression names the ``live`` marker (``-m live``, ``-m "live and ..."``)."""
    return re.search(rf"\b{LIVE_MARKER}\b", config.option.markexpr or "") is not None


def deselect_live_unless_requested(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep a plain ``pytest`` offline: drop live tests unless ``-m`` names them."""
    if live_requested(config):
        return
    live = [item for item in items if item.get_closest_marker(LIVE_MARKER)]
    if live:
        config.hook.pytest_deselected(items=live)
        items[:] = [item for item in items if not item.get_closest_marker(LIVE_MARKER)]


def block_network_unless_live(config: pytest.Config) -> None:
    """Offline runs may open connections to loopback only (pytest-recording's network guard)."""
    if not live_requested(config):
        config.option.block_network = True
        config.option.allowed_hosts = config.option.allowed_hosts or LOOPBACK_HOSTS
