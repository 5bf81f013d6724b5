"""Fixtures of the suite, and its parametrization over the catalog; each docstring says why it exists.

They are wired by the suite's own ``conftest.py`` (``p2p_conformance/suite/``), never registered as a plugin:
pytest then gives them to the suite's tests alone, and pytest-recording's defaults (``vcr_config``,
``vcr_cassette_dir``, ``default_cassette_name``) stay as they are for every other project's tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from functools import partial
from typing import Any

import pytest

from p2p_conformance.contracts import Catalog, Contract
from p2p_conformance.emulator import Emulator, Scenario, running_emulator
from p2p_conformance.engine.live import TargetUnreachable
from p2p_conformance.engine.sessions import LiveRun
from p2p_conformance.engine.transport import SessionPerThread
from p2p_conformance.model import LiveResult
from p2p_conformance.pytest_plugin.selection import LIVE_MARKER, called_contracts, calls_of_round
from p2p_conformance.pytest_plugin.settings import SETTINGS, RunSettings
from p2p_conformance.pytest_plugin.stash import (
    CASSETTE_PERSISTER,
    LIVE_CALL,
    LIVE_RUN,
    NETWORK_METER,
    RUN_SECRETS,
    SETUP_PROBLEM,
    LiveCall,
)
from p2p_conformance.safety.cassettes import vcr_config as make_vcr_config


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Each endpoint test runs once per contract of the catalog (a live test once per check the run makes), per
    key and per round."""
    settings = metafunc.config.stash[SETTINGS]
    if "contract" in metafunc.fixturenames:
        live = metafunc.definition.get_closest_marker(LIVE_MARKER) is not None
        contracts = settings.live_checks if live else settings.plan.catalog.contracts
        metafunc.parametrize("contract", contracts, ids=[contract.id for contract in contracts])
    if "key_name" in metafunc.fixturenames and len(settings.plan.keys) > 1:
        metafunc.parametrize("key_name", list(settings.plan.keys))
    if "round_number" in metafunc.fixturenames and settings.repeat > 1:
        rounds = range(1, settings.repeat + 1)
        metafunc.parametrize("round_number", rounds, ids=[f"round{n}" for n in rounds])


@pytest.fixture(scope="session")
def run_settings(pytestconfig: pytest.Config) -> RunSettings:
    """The settings read once at start-up (credentials included), so tests never touch the environment."""
    return pytestconfig.stash[SETTINGS]


@pytest.fixture(scope="session")
def catalog(run_settings: RunSettings) -> Catalog:
    """The endpoint catalog with the variants chosen on the command line."""
    return run_settings.plan.catalog


@pytest.fixture(scope="session")
def emulator_instance(run_settings: RunSettings) -> Emulator | None:
    """The local emulator of ``--emulator`` runs (its journal shows what the client sent), else None.
    It plays a scenario of its own, loaded here: the story's phase moves on as the rounds do."""
    choice = run_settings.emulator
    if choice is None:
        return None
    catalog = run_settings.plan.catalog
    return Emulator(choice.load(catalog), catalog, strict=choice.strict)


def _move_story_on(scenario: Scenario, round_number: int) -> None:
    """The emulator's story moves one phase per ``--repeat`` round (round 1 is the first phase)."""
    scenario.set_phase(round_number - 1)


@pytest.fixture(scope="session")
def live_run(
    request: pytest.FixtureRequest, run_settings: RunSettings, emulator_instance: Emulator | None
) -> Iterator[LiveRun]:
    """The run's target (the emulator started here for ``--emulator``), one session per key, and the
    pool that sends; ids are looked up only for the endpoints the selected tests call, and each round's
    calls are named up front, from the selected tests, so the first test of a round can send them all
    (not when recording cassettes or under pytest-xdist: there each call stays inside its own test). At
    the end (an interrupted run too), calls not yet sent never go out."""
    with ExitStack() as stack:
        base_url = run_settings.base_url
        on_new_round = None
        if emulator_instance is not None:
            base_url = stack.enter_context(running_emulator(emulator_instance))
            if run_settings.emulator is not None and run_settings.emulator.phase is None:
                on_new_round = partial(_move_story_on, emulator_instance.scenario)
        assert base_url is not None, "live_run is only requested by live tests"
        http = SessionPerThread(run_settings.route)
        stack.callback(http.close)
        items, first_key = request.session.items, next(iter(run_settings.plan.keys))
        rounds = range(1, run_settings.repeat + 1) if run_settings.calls_ahead else range(0)
        catalog = run_settings.plan.catalog
        sessions = LiveRun(
            run_settings.plan,
            base_url,
            http,
            calls=called_contracts(items, catalog),
            rounds={number: calls_of_round(items, number, first_key, catalog) for number in rounds},
            on_new_round=on_new_round,
            route=run_settings.route,
            learn_secrets=request.config.stash[RUN_SECRETS].learn,
        )
        stack.callback(sessions.close)
        request.config.stash[NETWORK_METER] = sessions.meter
        request.config.stash[LIVE_RUN] = sessions  # the controller judges the calls no test took
        yield sessions


@pytest.fixture
def key_name(run_settings: RunSettings) -> str:
    """The key a live test calls with; parametrized over every key when a run has several."""
    return next(iter(run_settings.plan.keys))


@pytest.fixture
def round_number() -> int:
    """The ``--repeat`` round a live test belongs to; parametrized when there are several."""
    return 1


@pytest.fixture
def live_call(
    request: pytest.FixtureRequest,
    run_settings: RunSettings,
    live_run: LiveRun,
    key_name: str,
    round_number: int,
) -> Callable[[Contract], LiveResult]:
    """Calls an endpoint live for this test's key and round, and keeps the result for the report.

    A mutating endpoint is skipped here, before the target is even asked for its time: whatever the
    target answers, a live run never sends one. The first test of a round starts it (its calls go out
    through the pool); each test then judges its own answer.
    """
    contract = request.getfixturevalue("contract") if "contract" in request.fixturenames else None
    if contract is not None and not contract.read_only:
        pytest.skip(f"not run live: mutating, {contract.mutating}")
    started = live_run.enter_round(round_number)
    try:
        key = live_run.get(key_name).summary
    except TargetUnreachable as error:
        request.node.stash[SETUP_PROBLEM] = str(error)
        pytest.fail(str(error), pytrace=False)

    def call(contract: Contract) -> LiveResult:
        result = live_run.call(key_name, round_number, contract)
        clock = live_run.round_clock.get(round_number)
        request.node.stash[LIVE_CALL] = LiveCall(result, key, round_number, started, clock)
        return result

    request.node.stash[LIVE_CALL] = LiveCall(None, key, round_number, started, live_run.round_clock.get(round_number))
    return call


@pytest.fixture(scope="session")
def vcr_cassette_dir(run_settings: RunSettings) -> str:
    """One cassette per endpoint, in the suite's own ``cassettes/`` unless ``--cassette-dir`` says otherwise.

    A recording goes to a staging folder first: pytest-recording empties each cassette before its test,
    so recording in place would destroy the shipped set whenever the target misbehaves.
    """
    paths = run_settings.paths
    return str(paths.recording_dir if run_settings.recording else paths.cassette_dir)


@pytest.fixture
def default_cassette_name(request: pytest.FixtureRequest) -> str:
    """A test about an endpoint uses that endpoint's cassette, so live recording and replay share it."""
    contract = request.getfixturevalue("contract")
    return str(contract.cassette_name)


@pytest.fixture
def vcr_config(request: pytest.FixtureRequest, run_settings: RunSettings) -> Iterator[dict[str, Any]]:
    """Scrubbing and matching for cassettes; a live recording maps real ids back to placeholders. Torn down after
    pytest-recording's ``vcr`` fixture (which asks for it): a cassette not written (refused for a secret, or a full
    disk) fails its test here, once vcrpy has closed it and removed its process-wide patches."""
    replacements: dict[str, str] = {}
    contract = request.getfixturevalue("contract") if "contract" in request.fixturenames else None
    if run_settings.live:
        session = request.getfixturevalue("live_run").get(request.getfixturevalue("key_name")).session
        placeholders = {kind: source.placeholder for kind, source in run_settings.plan.catalog.id_sources.items()}
        replacements = {
            resolved.value: placeholders[kind] for kind, resolved in session.ids.items() if not resolved.placeholder
        }
    yield make_vcr_config(replacements, contract.ids if contract is not None else ())
    persister = request.config.stash.get(CASSETTE_PERSISTER, None)
    if persister is not None:
        persister.raise_unwritten()
