"""The pytest plugin: wires options, markers and fixtures; the work lives in the sibling modules."""

from __future__ import annotations

import pytest

from p2p_conformance.selection import block_network_unless_live, deselect_live_unless_requested


def pytest_configure(config: pytest.Config) -> None:
    block_network_unless_live(config)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    deselect_live_unless_requested(config, items)
