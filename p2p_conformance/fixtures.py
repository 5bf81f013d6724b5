"""Fixtures of the suite; each docstring says why it exists."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
import requests

from contracts import Catalog, Contract
from emulator import Emulator, running_emulator
from p2p_conformance.cassettes import CASSETTE_DIR
from p2p_conformance.cassettes import vcr_config as make_vcr_config
from p2p_conformance.controls import run_controls
from p2p_conformance.diagnosis import Diagnosis
from p2p_conformance.live import LiveResult, LiveSession, TargetUnreachable
from p2p_conformance.reporting import LIVE_RESULT, REPORTER
from p2p_conformance.settings import SETTINGS, RunSettings


@pytest.fixture(scope="session")
def run_settings(pytestconfig: pytest.Config) -> RunSettings:
    """The settings read once at start-up (credentials included), so tests never touch the environment."""
    return pytestconfig.stash[SETTINGS]


@pytest.fixture(scope="session")
def catalog(run_settings: RunSettings) -> Catalog:
    """The endpoint catalog with the variants chosen on the command line."""
    return run_settings.catalog


@pytest.fixture(scope="session")
def emulator_instance(run_settings: RunSettings) -> Emulator | None:
    """The local emulator of ``--emulator`` runs (its journal shows what the client sent), else None."""
    return Emulator(run_settings.scenario, run_settings.catalog) if run_settings.scenario else None


@pytest.fixture(scope="session")
def live_session(
    pytestconfig: pytest.Config, run_settings: RunSettings, emulator_instance: Emulator | None
) -> Iterator[LiveSession]:
    """One live session per run: clock offset, control checks and ids, once, before any endpoint test."""
    assert run_settings.key is not None, "live_session is only requested by live tests"
    with ExitStack() as stack:
        http = stack.enter_context(requests.Session())
        base_url = run_settings.base_url
        if emulator_instance is not None:
            base_url = stack.enter_context(running_emulator(emulator_instance))
        assert base_url is not None
        reporter = pytestconfig.stash[REPORTER]
        try:
            session = LiveSession(run_settings.catalog, base_url, run_settings.key, run_settings.recv_window, http)
        except TargetUnreachable as error:
            reporter.setup_problem = Diagnosis("network", str(error), "Check --binance-url and the network path.")
            pytest.fail(str(error), pytrace=False)
        reporter.session_started(base_url, session.offset_ms, run_controls(session))
        session.prepare_ids(list(run_settings.catalog.contracts), run_settings.user_ids)
        yield session


@pytest.fixture
def live_call(request: pytest.FixtureRequest, live_session: LiveSession) -> Callable[[Contract], LiveResult]:
    """Calls an endpoint live and keeps the result on the test, where the report picks it up."""

    def call(contract: Contract) -> LiveResult:
        result = live_session.call(contract)
        request.node.stash[LIVE_RESULT] = result
        return result

    return call


@pytest.fixture(scope="session")
def vcr_cassette_dir(pytestconfig: pytest.Config) -> str:
    """One cassette per endpoint, in the repository's ``cassettes/`` unless ``--cassette-dir`` says otherwise."""
    return str(pytestconfig.option.cassette_dir or CASSETTE_DIR)


@pytest.fixture
def default_cassette_name(request: pytest.FixtureRequest) -> str:
    """A test about an endpoint uses that endpoint's cassette, so live recording and replay share it."""
    contract = request.getfixturevalue("contract")
    return str(contract.cassette_name)


@pytest.fixture
def vcr_config(request: pytest.FixtureRequest, run_settings: RunSettings) -> dict[str, Any]:
    """Scrubbing and matching for cassettes; a live recording maps real ids back to placeholders."""
    replacements: dict[str, str] = {}
    if run_settings.live and run_settings.key is not None:
        session: LiveSession = request.getfixturevalue("live_session")
        placeholders = {kind: source.placeholder for kind, source in run_settings.catalog.id_sources.items()}
        replacements = {
            resolved.value: placeholders[kind] for kind, resolved in session.ids.items() if not resolved.placeholder
        }
    return make_vcr_config(replacements)
