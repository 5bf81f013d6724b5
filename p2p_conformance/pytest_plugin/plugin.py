"""The pytest plugin (entry point ``pytest11``): wires options, markers, hooks and fixtures.

The work lives in the sibling modules and in the layers below; nothing here decides anything. Installed
anywhere, the plugin is a guest (:mod:`.scope`): every run gets its options, and only a run of the suite
(``pytest --pyargs p2p_conformance.suite``, or ``pytest`` in a checkout) gets anything else, on the suite's
tests only. The suite's fixtures are in its own ``conftest.py``, so they reach no other test.
"""

from __future__ import annotations

from typing import Any

import pytest
import pytest_recording  # noqa: F401  (first: it marks vcr's matchers for assertion rewriting before vcr loads)

from p2p_conformance.pytest_plugin.controller import ControllerPlugin, HtmlReportHooks
from p2p_conformance.pytest_plugin.options import add_options, validate_guest_options
from p2p_conformance.pytest_plugin.scope import is_suite_item, runs_the_suite
from p2p_conformance.pytest_plugin.selection import (
    LIVE_MARKER,
    MARKERS,
    deselect,
    deselect_unless_requested,
    keep_offline,
    keys_not_made,
    mark_cassette_recording,
    narrowing_options,
    order_by_round,
)
from p2p_conformance.pytest_plugin.settings import SETTINGS, RunSettings, read_settings, report_options
from p2p_conformance.pytest_plugin.stash import CASSETTE_PERSISTER, LIVE_SELECTION, RUN_SECRETS, LiveSelection
from p2p_conformance.pytest_plugin.worker import WorkerPlugin
from p2p_conformance.report.history import HistoryError, validate_history
from p2p_conformance.safety import RunSecrets, secrets_of
from p2p_conformance.safety.cassettes import RefusingPersister
from p2p_conformance.safety.writing import FolderHold, FolderInUse, check_writable


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


@pytest.hookimpl(tryfirst=True)  # before pytest-html reads --html, which a live run sets
def pytest_configure(config: pytest.Config) -> None:
    if not runs_the_suite(config):
        validate_guest_options(config)  # the suite's options without the suite: one line, nothing else
        return
    for name, description in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {description}")
    settings = read_settings(config)
    config.stash[SETTINGS] = settings
    if settings.live:
        _register_reporting(config, settings)


def _register_reporting(config: pytest.Config, settings: RunSettings) -> None:
    """The worker plugin where tests run; the controller and its HTML hooks where the run is reported."""
    secrets = RunSecrets(secrets_of(settings.plan.keys.values()))
    config.stash[RUN_SECRETS] = secrets  # the live sessions add what they learn (a chat credential)
    fingerprints = {name: key.fingerprint for name, key in settings.plan.keys.items()}
    config.pluginmanager.register(WorkerPlugin(secrets, fingerprints), "p2p-conformance-worker")
    if hasattr(config, "workerinput"):  # a pytest-xdist worker: the controller reports
        return
    for folder in {settings.paths.report_dir, settings.paths.history_db.parent}:
        if (problem := check_writable(folder)) is not None:
            raise pytest.UsageError(
                f"{folder}: cannot be written ({problem}): make it writable, or give --report-dir (and --history-db)"
            )
    try:
        validate_history(settings.paths.history_db)
    except HistoryError as error:
        raise pytest.UsageError(str(error)) from None
    report_options(config, settings)
    try:  # a second live run into the same report folder stops here: their files would swap
        held = FolderHold(settings.paths.report_dir) if settings.live else None
    except FolderInUse as error:
        raise pytest.UsageError(str(error)) from None
    controller = ControllerPlugin(settings, secrets, held)
    config.pluginmanager.register(controller, "p2p-conformance-controller")
    if config.pluginmanager.hasplugin("html"):
        config.pluginmanager.register(HtmlReportHooks(controller), "p2p-conformance-html")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    settings = config.stash.get(SETTINGS, None)
    if settings is None:  # not the suite's run: its tests are left as they are
        return
    suite_items = [item for item in items if is_suite_item(item)]
    deselect_unless_requested(config, items, suite_items, [] if settings.live else [LIVE_MARKER])
    if settings.live:  # the emulator's story: a key is not called before the phase it was made in
        deselect(config, items, keys_not_made(suite_items, settings))
    order_by_round(items)
    if settings.recording:
        mark_cassette_recording(suite_items, settings.plan.catalog)
    elif not settings.live:
        keep_offline(suite_items)


def pytest_collection_finish(session: pytest.Session) -> None:
    """How much of a whole live run this one is, once every selection (``-k``, ``--lf``, ...) is made: a partial
    run concludes only from what it saw."""
    settings = session.config.stash.get(SETTINGS, None)
    if settings is not None and settings.live:
        selected = sum(1 for item in session.items if is_suite_item(item) and item.get_closest_marker(LIVE_MARKER))
        found = LiveSelection(selected, settings.whole_live_tests, narrowing_options(session.config))
        session.config.stash[LIVE_SELECTION] = found


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    settings = config.stash.get(SETTINGS, None)
    if settings is not None:  # a cassette of the suite's run: nothing secret is ever written into it
        persister = RefusingPersister(secrets_of(settings.plan.keys.values()))
        vcr.register_persister(config.stash.setdefault(CASSETTE_PERSISTER, persister))
