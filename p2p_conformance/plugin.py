"""The pytest plugin: wires options, markers and fixtures; the work lives in the sibling modules."""

from __future__ import annotations

from typing import Any

import pytest

from p2p_conformance.cassettes import RefusingPersister
from p2p_conformance.options import add_options
from p2p_conformance.reporting import configure_reporting
from p2p_conformance.selection import (
    block_network_unless_live,
    deselect_opt_in_unless_requested,
    order_by_round,
    record_live_read_only_calls,
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
    if settings.live:
        configure_reporting(config, settings)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    settings = metafunc.config.stash[SETTINGS]
    if "contract" in metafunc.fixturenames:
        contracts = settings.catalog.contracts
        metafunc.parametrize("contract", contracts, ids=[contract.id for contract in contracts])
    if "key_name" in metafunc.fixturenames and len(settings.keys) > 1:
        metafunc.parametrize("key_name", list(settings.keys))
    if "round_number" in metafunc.fixturenames and settings.repeat > 1:
        rounds = range(1, settings.repeat + 1)
        metafunc.parametrize("round_number", rounds, ids=[f"round{n}" for n in rounds])


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    deselect_opt_in_unless_requested(config, items)
    order_by_round(items)
    record_live_read_only_calls(config, items)


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    keys = config.stash[SETTINGS].keys.values()
    vcr.register_persister(RefusingPersister([secret for key in keys for secret in secret_texts(key)]))
