"""What a run is asked to do, read once at start-up; bad input stops the run with one line.

This is the only module that reads pytest's options (``config.option``); everything else gets the
frozen :class:`RunSettings`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import pytest

from contracts import Catalog, CatalogError, load_catalog
from emulator import Scenario, ScenarioError, load_scenario
from p2p_conformance.engine.cross_check import INSTALL_HINT, official_version
from p2p_conformance.engine.sessions import DEFAULT_CONCURRENCY, MAX_CONCURRENCY, RunPlan
from p2p_conformance.engine.transport import DEFAULT_DEADLINE_SECONDS, DEFAULT_MAX_WAIT_SECONDS, DEFAULT_WEIGHT_BUDGET
from p2p_conformance.pytest_plugin.selection import LIVE_MARKER, requested_markers
from p2p_conformance.report.history import HISTORY_NAME
from signer import HmacKey, Key, KeyConfigError, validate_recv_window
from signer.env import (
    API_KEY,
    API_SECRET,
    BASE_URL,
    DEFAULT_BASE_URL,
    KEYS_FILE,
    PRIVATE_KEY_PASSPHRASE,
    PRIVATE_KEY_PATH,
    binance_settings,
    key_from_settings,
)

SETTINGS = pytest.StashKey["RunSettings"]()
DEFAULT_SCENARIO = "all-ok"
KEYS_FILE_FIELDS = {
    "api_key": API_KEY,
    "secret": API_SECRET,
    "private_key_path": PRIVATE_KEY_PATH,
    "passphrase": PRIVATE_KEY_PASSPHRASE,
}


@dataclass(frozen=True, kw_only=True)
class RunSettings:
    """Everything a run was asked to do; directories default to the rootdir's, never the package's."""

    catalog: Catalog
    requested_markers: frozenset[str]  # the opt-in markers ``-m`` names
    recv_window: int
    user_ids: dict[str, str]
    report_dir: Path
    history_db: Path
    cassette_dir: Path
    recording: bool = False  # ``--record-mode`` other than none: live tests record cassettes
    case_id: str | None = None
    origin: str | None = None  # where the run runs from, stored in the history
    bundle: bool = False  # also write the evidence bundle (zip) for the ticket
    focus: tuple[str, ...] = ()  # endpoint ids the case is about
    cross_check: bool = False  # failing calls go once more through Binance's own SDK code
    max_wait: float = DEFAULT_MAX_WAIT_SECONDS  # the longest Retry-After the run waits out
    deadline: float = DEFAULT_DEADLINE_SECONDS  # seconds after which no live request goes out
    weight_budget: int = DEFAULT_WEIGHT_BUDGET  # request weight a minute for this process (its share)
    concurrency: int = DEFAULT_CONCURRENCY  # live calls in flight at once
    calls_ahead: bool = True  # a round's calls go out before its tests judge them (not when recording, nor in xdist)
    repeat: int = 1
    interval: float = 0.0
    base_url: str | None = None  # None with the emulator: its port is known only once it runs
    keys: dict[str, Key] = field(default_factory=dict)  # by name, in the order given
    scenario: Scenario | None = None
    phase: str | None = None  # a pinned emulator phase; else each round moves to the next one
    strict_emulator: bool = False

    @property
    def live(self) -> bool:
        return LIVE_MARKER in self.requested_markers

    @property
    def recording_dir(self) -> Path:
        """Where a ``--record-mode`` run records first: the cassettes move in only if all of it succeeded."""
        return self.report_dir / "cassettes-recording"

    @property
    def observed_dir(self) -> Path:
        """Where a recording writes the shapes of drifting answers: ``contracts/observed/`` beside the cassettes."""
        return self.cassette_dir.parent / "contracts" / "observed"

    @property
    def emulator(self) -> str | None:
        """The scenario an emulator run played, as the report names it (None against a real target)."""
        if self.scenario is None:
            return None
        return self.scenario.description + (", strict: stricter than Binance" if self.strict_emulator else "")

    def phase_of_round(self, number: int) -> str | None:
        """The emulator story's phase a ``--repeat`` round plays (None for a real target or a one-phase story)."""
        if self.scenario is None or (len(self.scenario.phases) == 1 and self.phase is None):
            return None
        return self.phase or self.scenario.phases[min(number, len(self.scenario.phases)) - 1].name

    @property
    def plan(self) -> RunPlan:
        """What the engine's live sessions need of these settings."""
        return RunPlan(
            catalog=self.catalog,
            keys=self.keys,
            recv_window=self.recv_window,
            user_ids=self.user_ids,
            interval=self.interval,
            cross_check=self.cross_check,
            max_wait=self.max_wait,
            deadline=self.deadline,
            weight_budget=self.weight_budget,
            concurrency=self.concurrency,
        )


Number = TypeVar("Number", int, float)


def _number(value: object, option: str, kind: type[Number]) -> Number:
    """An option's number, or one line saying what to give."""
    try:
        return kind(str(value))
    except ValueError:
        whole = "a whole number" if kind is int else "a number"
        raise pytest.UsageError(f"{option} {value!r}: give {whole}") from None


def _origin(label: str | None) -> str | None:
    """``--origin``: a short label of letters, digits and ``.-_ `` (it is shown in reports and stored)."""
    if label is None:
        return None
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,59}", label):
        raise pytest.UsageError(
            f"--origin {label[:60]!r}: give a label of up to 60 letters, digits, spaces, dots, dashes or "
            "underscores (e.g. home-isp, github-eu-west)"
        )
    return label


def _pairs(values: Sequence[str], option: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        name, separator, setting = value.partition("=")
        if not separator or not name or not setting:
            raise pytest.UsageError(f"{option} {value!r}: write it as NAME=VALUE")
        pairs[name] = setting
    return pairs


def _check_url(url: str) -> str:
    """Scheme, host and port only: no path, query, fragment, or user and password (they would be reported)."""
    problem = pytest.UsageError(
        f"--binance-url {url.split('@')[-1]!r}: give scheme, host and port only, e.g. {DEFAULT_BASE_URL}"
    )
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port out of range or not a number)
    except ValueError:
        raise problem from None
    extra = parts.path not in ("", "/") or parts.query or "#" in url or "@" in parts.netloc
    if parts.scheme not in ("http", "https") or not parts.hostname or extra:
        raise problem
    return url.rstrip("/")


def _emulator_settings(config: pytest.Config, catalog: Catalog) -> tuple[dict[str, Key], Scenario]:
    try:
        scenario = load_scenario(config.option.scenario or DEFAULT_SCENARIO, catalog)
        if config.option.phase:
            scenario.set_phase(config.option.phase)
    except ScenarioError as error:
        raise pytest.UsageError(f"--scenario: {error}") from None
    keys: dict[str, Key] = {name: HmacKey(key.api_key, key.secret) for name, key in scenario.keys.items() if key.secret}
    if not keys:
        raise pytest.UsageError("--scenario: no key has an HMAC secret to sign with")
    return keys, scenario


def _keys_from_file(path: Path) -> dict[str, Key]:
    """Keys listed in a TOML file, one table per key: api_key with secret, or private_key_path."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise pytest.UsageError(f"keys file {path}: cannot be read ({error})") from None
    keys = {}
    for name, table in document.items():
        unknown = sorted(set(table) - set(KEYS_FILE_FIELDS)) if isinstance(table, dict) else ["(not a table)"]
        if unknown:
            raise pytest.UsageError(
                f"keys file {path} [{name}]: unknown field {unknown[0]} (use {', '.join(KEYS_FILE_FIELDS)})"
            )
        try:
            keys[name] = key_from_settings({KEYS_FILE_FIELDS[field]: str(v) for field, v in table.items()})
        except KeyConfigError as error:
            raise pytest.UsageError(f"keys file {path} [{name}]: {error}") from None
    if not keys:
        raise pytest.UsageError(f"keys file {path}: no key in it; add a [name] table per key")
    names_by_fingerprint: dict[str, list[str]] = {}
    for name, key in keys.items():
        names_by_fingerprint.setdefault(key.fingerprint, []).append(name)
    same = next((names for names in names_by_fingerprint.values() if len(names) > 1), None)
    if same:
        raise pytest.UsageError(
            f"keys file {path}: [{same[0]}] and [{same[1]}] have the same key fingerprint (the same key twice?); "
            "keep one"
        )
    return keys


def _live_keys(config: pytest.Config, environment: dict[str, str]) -> dict[str, Key]:
    keys_file = config.option.keys_file or environment.get(KEYS_FILE)
    if keys_file:
        return _keys_from_file(Path(keys_file))
    try:
        return {"default": key_from_settings(environment)}
    except KeyConfigError as error:
        raise pytest.UsageError(f"live run: {error} (or run against the local emulator with --emulator)") from None


def read_settings(config: pytest.Config) -> RunSettings:
    """The run's settings; raises :class:`pytest.UsageError` (one line, exit status 4) on bad input."""
    try:
        catalog = load_catalog().with_variants(_pairs(config.option.variant, "--variant"))
        recv_window = _number(config.option.recv_window, "--recv-window", int)
        validate_recv_window(recv_window)
    except (CatalogError, ValueError) as error:
        raise pytest.UsageError(str(error)) from None
    focus = tuple(endpoint for endpoint in config.option.focus.split(",") if endpoint.strip())
    unknown_focus = sorted({endpoint.strip() for endpoint in focus} - {c.id for c in catalog.contracts})
    if unknown_focus:
        raise pytest.UsageError(
            f"--focus {unknown_focus[0]!r}: not an endpoint id of the catalog (ids as in docs/endpoints.md, "
            "e.g. ads/getAds,ads/search)"
        )
    if config.option.cross_check and official_version() is None:
        raise pytest.UsageError(INSTALL_HINT)
    user_ids = _pairs(config.option.ids, "--id")
    unknown = sorted(set(user_ids) - set(catalog.id_sources))
    if unknown:
        raise pytest.UsageError(f"--id {unknown[0]}: unknown id kind (known: {', '.join(sorted(catalog.id_sources))})")
    repeat = _number(config.option.repeat, "--repeat", int)
    interval = _number(config.option.interval, "--interval", float)
    max_wait = _number(config.option.max_wait, "--max-wait", float)
    deadline = _number(config.option.deadline, "--deadline", float)
    if repeat < 1 or min(interval, max_wait) < 0:
        raise pytest.UsageError("--repeat must be at least 1, --interval and --max-wait at least 0 seconds")
    if deadline <= 0:
        raise pytest.UsageError("--deadline must be more than 0 seconds")
    weight_budget = _number(config.option.weight_budget, "--weight-budget", int)
    concurrency = _number(config.option.concurrency, "--concurrency", int)
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise pytest.UsageError(f"--concurrency must be from 1 to {MAX_CONCURRENCY} calls at once")
    workers = int(getattr(config, "workerinput", {}).get("workercount", 1))  # pytest-xdist: each its share
    if weight_budget < workers:
        raise pytest.UsageError(f"--weight-budget must be at least 1 a minute for each of the {workers} worker(s)")
    if not config.option.emulator and (config.option.scenario or config.option.phase or config.option.strict_emulator):
        raise pytest.UsageError(
            "--scenario, --phase and --strict-emulator are about the local emulator: add --emulator"
        )
    requested = requested_markers(config.option.markexpr or "")
    live = LIVE_MARKER in requested
    recording = config.option.record_mode not in (None, "none")
    if recording and not live:
        raise pytest.UsageError(
            "--record-mode records cassettes from a live target: add -m live (and --emulator "
            "to record from the local emulator)"
        )
    # Emulator runs keep their reports and history apart, so demos never mix with real evidence.
    default_reports = config.rootpath / "reports"
    if config.option.emulator:
        default_reports /= "emulator"
    report_dir = Path(config.option.report_dir or default_reports)
    settings = RunSettings(
        catalog=catalog,
        requested_markers=requested,
        recv_window=recv_window,
        user_ids=user_ids,
        report_dir=report_dir,
        history_db=Path(config.option.history_db or report_dir / HISTORY_NAME),
        cassette_dir=Path(config.option.cassette_dir or config.rootpath / "cassettes"),
        recording=recording,
        case_id=config.option.case_id,
        origin=_origin(config.option.origin),
        bundle=config.option.bundle,
        focus=tuple(endpoint.strip() for endpoint in focus),
        cross_check=config.option.cross_check,
        max_wait=max_wait,
        deadline=deadline,
        weight_budget=weight_budget // workers,
        concurrency=concurrency,
        calls_ahead=not recording and not hasattr(config, "workerinput"),
        repeat=repeat,
        interval=interval,
    )
    if config.option.emulator:
        if not live:
            raise pytest.UsageError("--emulator runs the live tests: add -m live")
        keys, scenario = _emulator_settings(config, catalog)
        return replace(
            settings,
            keys=keys,
            scenario=scenario,
            phase=config.option.phase,
            strict_emulator=config.option.strict_emulator,
        )
    if not live:
        return settings
    environment = binance_settings()
    url = _check_url(config.option.binance_url or environment.get(BASE_URL) or DEFAULT_BASE_URL)
    return replace(settings, base_url=url, keys=_live_keys(config, environment))
