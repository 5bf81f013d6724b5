"""Which tests a run selects and in what order: opt-in tests (live, browser) only when ``-m`` names
them, ``--repeat`` rounds one after the other, and the live tests that record cassettes."""

from __future__ import annotations

import re
from typing import Any

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


def item_params(item: pytest.Item) -> dict[str, Any]:
    """The parameters of a parametrized test (``contract``, ``key_name``, ``round_number``)."""
    callspec = getattr(item, "callspec", None)
    return callspec.params if callspec else {}


def order_by_round(items: list[pytest.Item]) -> None:
    """Round 1 of every endpoint, then round 2... (a stable sort keeps the catalog's order)."""
    items.sort(key=lambda item: int(item_params(item).get("round_number", 1)))


def record_live_read_only_calls(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With ``--record-mode``, live tests of read-only endpoints record their cassette; nothing else does."""
    if config.option.record_mode in (None, "none"):
        return
    for item in items:
        contract = item_params(item).get("contract")
        if item.get_closest_marker(LIVE_MARKER) and contract is not None and contract.read_only:
            item.add_marker(pytest.mark.vcr)
