"""Fixtures for the suite's own tests."""

from __future__ import annotations

import os

import pytest


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
