"""What a run is asked to do, read once at start-up; bad input stops the run with one line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from contracts import Catalog, CatalogError, load_catalog
from emulator import Scenario, ScenarioError, load_scenario
from p2p_conformance.options import DEFAULT_BASE_URL
from p2p_conformance.selection import live_requested
from signer import HmacKey, Key, KeyConfigError
from signer.env import BASE_URL, binance_settings, key_from_settings
from signer.signing import check_recv_window

SETTINGS = pytest.StashKey["RunSettings"]()
REPORT_DIR = Path(__file__).resolve().parents[1] / "reports"


@dataclass(frozen=True)
class RunSettings:
    catalog: Catalog
    live: bool
    recv_window: int
    user_ids: dict[str, str]
    report_dir: Path
    base_url: str | None = None  # None with the emulator: its port is known only once it runs
    key: Key | None = None
    scenario: Scenario | None = None


def _pairs(values: Sequence[str], option: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        name, separator, setting = value.partition("=")
        if not separator or not name or not setting:
            raise pytest.UsageError(f"{option} {value!r}: write it as NAME=VALUE")
        pairs[name] = setting
    return pairs


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/") or parts.query:
        raise pytest.UsageError(f"--binance-url {url!r}: give scheme and host only, e.g. {DEFAULT_BASE_URL}")
    return url.rstrip("/")


def _emulator_settings(config: pytest.Config, catalog: Catalog) -> tuple[Key, Scenario]:
    try:
        scenario = load_scenario(config.option.scenario, catalog)
    except ScenarioError as error:
        raise pytest.UsageError(f"--scenario: {error}") from None
    first = next(iter(scenario.keys.values()))
    if first.secret is None:
        raise pytest.UsageError(f"--scenario: key {first.name} has no HMAC secret to sign with")
    return HmacKey(first.api_key, first.secret), scenario


def read_settings(config: pytest.Config) -> RunSettings:
    """The run's settings; raises :class:`pytest.UsageError` (one line, exit status 4) on bad input."""
    try:
        catalog = load_catalog().with_variants(_pairs(config.option.variant, "--variant"))
        check_recv_window(config.option.recv_window)
    except (CatalogError, ValueError) as error:
        raise pytest.UsageError(str(error)) from None
    user_ids = _pairs(config.option.ids, "--id")
    unknown = sorted(set(user_ids) - set(catalog.id_sources))
    if unknown:
        raise pytest.UsageError(f"--id {unknown[0]}: unknown id kind (known: {', '.join(sorted(catalog.id_sources))})")
    live = live_requested(config)
    report_dir = Path(config.option.report_dir or REPORT_DIR)
    settings = RunSettings(catalog, live, config.option.recv_window, user_ids, report_dir)
    if config.option.emulator:
        if not live:
            raise pytest.UsageError("--emulator runs the live tests: add -m live")
        key, scenario = _emulator_settings(config, catalog)
        return replace(settings, key=key, scenario=scenario)
    if not live:
        return settings
    environment = binance_settings()
    try:
        key = key_from_settings(environment)
    except KeyConfigError as error:
        raise pytest.UsageError(f"live run: {error} (or run against the local emulator with --emulator)") from None
    url = _check_url(config.option.binance_url or environment.get(BASE_URL) or DEFAULT_BASE_URL)
    return replace(settings, base_url=url, key=key)
