"""The pytest plugin: wires options, markers and fixtures; the work lives in the sibling modules."""

from __future__ import annotations

from typing import Any

import pytest

from p2p_conformance.cassettes import RefusingPersister
from p2p_conformance.options import add_options
from p2p_conformance.reporting import configure_reporting
from p2p_conformance.selection import (
    LIVE_MARKER,
    block_network_unless_live,
    deselect_opt_in_unless_requested,
)
from p2p_conformance.settings import SETTINGS, read_settings
from signer.keys import secret_texts


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


@pytest.hookimpl(tryfirst=True)  # before pytest-html reads --html, which a live run sets
def pytest_configure(config: pytest.Config) -> None:
    settings = read_settings(config)
    config.stash[SETTINGS] = settings
    block_network_unless_live(config)
    if settings.live and settings.key is not None:
        configure_reporting(config, settings.key, settings.base_url, settings.report_dir)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "contract" in metafunc.fixturenames:
        contracts = metafunc.config.stash[SETTINGS].catalog.contracts
        metafunc.parametrize("contract", contracts, ids=[contract.id for contract in contracts])


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    deselect_opt_in_unless_requested(config, items)
    if config.option.record_mode not in (None, "none"):
        for item in items:
            contract = _contract_of(item)
            if item.get_closest_marker(LIVE_MARKER) and contract is not None and contract.read_only:
                item.add_marker(pytest.mark.vcr)


def _contract_of(item: pytest.Item) -> Any:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("contract") if callspec else None


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    key = config.stash[SETTINGS].key
    vcr.register_persister(RefusingPersister(secret_texts(key) if key else ()))
