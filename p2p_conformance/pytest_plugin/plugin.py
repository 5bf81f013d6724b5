"""The pytest plugin (entry point ``pytest11``): wires options, markers, hooks and fixtures.

The work lives in the sibling modules and in the layers below; nothing here decides anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import pytest_recording  # noqa: F401  (first: it marks vcr's matchers for assertion rewriting before vcr loads)

from p2p_conformance.pytest_plugin import fixtures
from p2p_conformance.pytest_plugin.controller import ControllerPlugin, HtmlReportHooks
from p2p_conformance.pytest_plugin.options import add_options
from p2p_conformance.pytest_plugin.selection import (
    MARKERS,
    deselect_opt_in_unless_requested,
    mark_cassette_recording,
    order_by_round,
)
from p2p_conformance.pytest_plugin.settings import SETTINGS, RunSettings, guard_network, read_settings, report_options
from p2p_conformance.pytest_plugin.worker import WorkerPlugin
from p2p_conformance.report.history import HistoryError, validate_history
from p2p_conformance.report.html import CSS_PATH
from p2p_conformance.safety import secrets_of
from p2p_conformance.safety.cassettes import RefusingPersister


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


@pytest.hookimpl(tryfirst=True)  # before pytest-html reads --html, which a live run sets
def pytest_configure(config: pytest.Config) -> None:
    for name, description in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {description}")
    # Registered now, after every entry-point plugin, so that these fixtures override pytest-recording's
    # defaults (cassette folder and name, scrubbing), as a conftest.py would.
    config.pluginmanager.register(fixtures, "p2p-conformance-fixtures")
    settings = read_settings(config)
    config.stash[SETTINGS] = settings
    guard_network(config, settings)
    if settings.live:
        _register_reporting(config, settings)


def _register_reporting(config: pytest.Config, settings: RunSettings) -> None:
    """The worker plugin where tests run; the controller and its HTML hooks where the run is reported."""
    secrets = secrets_of(settings.plan.keys.values())
    fingerprints = {name: key.fingerprint for name, key in settings.plan.keys.items()}
    config.pluginmanager.register(WorkerPlugin(secrets, fingerprints), "p2p-conformance-worker")
    if hasattr(config, "workerinput"):  # a pytest-xdist worker: the controller reports
        return
    try:
        validate_history(settings.paths.history_db)
    except HistoryError as error:
        raise pytest.UsageError(str(error)) from None
    report_options(config, settings, Path(str(CSS_PATH)))
    controller = ControllerPlugin(settings, secrets)
    config.pluginmanager.register(controller, "p2p-conformance-controller")
    if config.pluginmanager.hasplugin("html"):
        config.pluginmanager.register(HtmlReportHooks(controller), "p2p-conformance-html")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    settings = metafunc.config.stash[SETTINGS]
    if "contract" in metafunc.fixturenames:
        contracts = settings.plan.catalog.contracts
        metafunc.parametrize("contract", contracts, ids=[contract.id for contract in contracts])
    if "socket_contract" in metafunc.fixturenames:
        sockets = settings.plan.catalog.sockets
        metafunc.parametrize("socket_contract", sockets, ids=[socket.id for socket in sockets])
    if "key_name" in metafunc.fixturenames and len(settings.plan.keys) > 1:
        metafunc.parametrize("key_name", list(settings.plan.keys))
    if "round_number" in metafunc.fixturenames and settings.repeat > 1:
        rounds = range(1, settings.repeat + 1)
        metafunc.parametrize("round_number", rounds, ids=[f"round{n}" for n in rounds])


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    settings = config.stash[SETTINGS]
    deselect_opt_in_unless_requested(config, items, settings.requested_markers)
    order_by_round(items)
    if settings.recording:
        mark_cassette_recording(items)


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    vcr.register_persister(RefusingPersister(secrets_of(config.stash[SETTINGS].plan.keys.values())))
