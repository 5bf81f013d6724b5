"""Canary keys: throwaway credentials that only a test's own emulator knows. If either string of a
canary shows up in a file or in any output, a secret leaked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from catalog_facts import CATALOG
from p2p_conformance.emulator import Emulator, parse_scenario


@dataclass(frozen=True)
class Canary:
    api_key: str
    secret: str = field(repr=False)

    def scenario(self, endpoints: Mapping[str, Any] | None = None, latency: float | None = None) -> dict[str, Any]:
        """A scenario that knows only this key (named ``canary``): ``endpoints`` answer as given, the others
        with their documented example; ``latency`` seconds before every answer."""
        key = {"api_key": self.api_key, "secret": self.secret, "endpoints": dict(endpoints or {})}
        document: dict[str, Any] = {"description": "canary", "keys": {"canary": key}}
        if latency is not None:
            document["latency"] = latency
        return document

    def emulator(
        self, endpoints: Mapping[str, Any] | None = None, latency: float | None = None, **options: Any
    ) -> Emulator:
        """An emulator playing :meth:`scenario`; ``options`` go to the :class:`Emulator` (a clock, strict)."""
        return Emulator(parse_scenario(self.scenario(endpoints, latency), CATALOG), CATALOG, **options)

    def in_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The key in the environment, as a merchant's real key would be."""
        monkeypatch.setenv("BINANCE_API_KEY", self.api_key)
        monkeypatch.setenv("BINANCE_API_SECRET", self.secret)
