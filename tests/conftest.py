"""Fixtures and selection for the suite's own tests (the self-tests of this checkout).

The plugin knows nothing of them: their opt-in markers (``browser``, ``node``, ``wheel``, declared in
pyproject.toml) are deselected here unless ``-m`` names them, they may open connections to loopback only, and a
live run (``pytest -m live``), which none of them is part of, does not import them.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from p2p_conformance.pytest_plugin.scope import SUITE_DIR
from p2p_conformance.pytest_plugin.selection import (
    LIVE_MARKER,
    deselect_unless_requested,
    keep_offline,
    requested_markers,
)

HERE = Path(__file__).resolve().parent
OPT_IN_MARKERS = ("browser", "node", "wheel")
# The self-tests stay on this machine: loopback, 127.0.0.0/8 (a foreign project's test reaches 127.0.0.2 to
# show that the suite's own guard, 127.0.0.1 only, is not applied to it).
LOOPBACK_RANGE = (r"127\.\d+\.\d+\.\d+$", "localhost$", "::1$")


def _own(item: pytest.Item) -> bool:
    return HERE in item.path.resolve().parents


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """A live run selects the endpoint suite's live tests only: the self-tests are not even imported."""
    markexpr = config.option.markexpr or ""
    only_live = LIVE_MARKER in requested_markers(markexpr) and not requested_markers(markexpr, OPT_IN_MARKERS)
    if only_live and HERE in collection_path.parents:
        return True
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    own = [item for item in items if _own(item)]
    requested = requested_markers(config.option.markexpr or "", OPT_IN_MARKERS)
    deselect_unless_requested(config, items, own, [marker for marker in OPT_IN_MARKERS if marker not in requested])
    keep_offline(own, LOOPBACK_RANGE)


@pytest.fixture(scope="session", autouse=True)
def modules_nested_runs_import() -> None:
    """hypothesis and the suite's fixtures are imported once, before any nested run: pytester puts sys.modules back
    as it was after each run, so a module first imported inside one (hypothesis by its pytest plugin, the fixtures
    by the suite's conftest) would be imported, assertion-rewritten and compiled again in every nested run (about
    80 modules each time). Not at import time: a live run loads this conftest and needs neither."""
    importlib.import_module("hypothesis")
    importlib.import_module("p2p_conformance.pytest_plugin.fixtures")


@pytest.fixture(autouse=True)
def no_binance_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Clear ``BINANCE_*`` variables and leave the repository's ``.env`` out of reach.

    A developer's real key must never reach a test: every test sees an empty environment and
    runs from an empty directory, so an accidental ``load_key()`` finds nothing to send.
    (Live runs read their credentials once at start-up, before this fixture runs.)
    """
    for name in [name for name in os.environ if name.startswith("BINANCE_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))


ENDPOINT_TESTS = str(SUITE_DIR / "test_endpoints.py")


@dataclass(frozen=True)
class EndpointProcess:
    """The endpoint tests run in a pytest process of their own (to be signalled, or to run beside an
    in-process run), and the cache its processes share."""

    env: dict[str, str]

    def command(self, *args: str) -> list[str]:
        """The endpoint tests don't use hypothesis: its plugin would only add an import to each process."""
        pytest_run = [sys.executable, "-m", "pytest", ENDPOINT_TESTS, "-p", "no:cacheprovider"]
        return [*pytest_run, "-p", "no:hypothesispytest", *args]

    def cache_for_children(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Processes this one starts (pytest-xdist's workers of a nested run) use the same cache."""
        monkeypatch.setenv("PYTHONPYCACHEPREFIX", self.env["PYTHONPYCACHEPREFIX"])
        monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)


@pytest.fixture(scope="session")
def endpoint_process(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> EndpointProcess:
    """Bytecode and assertion rewrites cached in pytest's own cache folder (``.pytest_cache``, ignored
    by git; a temporary folder when the cache plugin is off), so such a process does not compile and
    rewrite 240 modules again each time, even where ``PYTHONDONTWRITEBYTECODE`` is set."""
    cache_plugin = getattr(pytestconfig, "cache", None)  # absent under -p no:cacheprovider
    cache = tmp_path_factory.mktemp("pycache") if cache_plugin is None else cache_plugin.mkdir("pycache")
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    return EndpointProcess({**environment, "PYTHONPYCACHEPREFIX": str(cache)})


@dataclass
class EndpointSuite:
    """This repository's endpoint tests, run in a nested pytest the way a user runs them."""

    pytester: pytest.Pytester

    @property
    def reports(self) -> Path:
        return self.pytester.path / "reports"

    def run(self, *args: str) -> pytest.RunResult:
        return self.pytester.runpytest(
            ENDPOINT_TESTS, "-p", "no:cacheprovider", "--report-dir", str(self.reports), *args
        )

    def run_with_cache(self, *args: str) -> pytest.RunResult:
        """As :meth:`run`, with pytest's cache (``--lf``) kept in the nested run's own folder."""
        cache = f"cache_dir={self.pytester.path / '.pytest_cache'}"
        return self.pytester.runpytest(ENDPOINT_TESTS, "-o", cache, "--report-dir", str(self.reports), *args)

    def summary(self) -> dict[str, Any]:
        """The last live run's ``live-summary.json``."""
        return dict(json.loads((self.reports / "live-summary.json").read_text()))


@pytest.fixture
def endpoint_suite(pytester: pytest.Pytester) -> EndpointSuite:
    """Nested runs of the endpoint tests; their reports go to the nested run's folder, never to ``reports/``."""
    return EndpointSuite(pytester)
