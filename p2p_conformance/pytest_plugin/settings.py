"""What a run is asked to do, read once at start-up; bad input stops the run with one line.

This is the only module that reads pytest's options (``config.option``), and the only one that sets
pytest's own options for a run (:func:`apply_to_pytest`); everything else gets the frozen
:class:`RunSettings`. Each concern is parsed by its own function: the catalog and focus, the limits,
the paths, the emulator, the target and keys.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pytest_html.basereport import BaseReport

from p2p_conformance.contracts import Catalog, CatalogError, Contract, load_catalog
from p2p_conformance.emulator import Scenario, ScenarioError, load_scenario
from p2p_conformance.engine import feeds
from p2p_conformance.engine.cross_check import INSTALL_HINT, official_version
from p2p_conformance.engine.probe import MAX_PROBE_LIMIT
from p2p_conformance.engine.sessions import MAX_CONCURRENCY, RunPlan
from p2p_conformance.engine.transport import MAX_TIMEOUT_SECONDS, Route, RouteError, environment_route
from p2p_conformance.engine.verifiable import KeyShown
from p2p_conformance.model import TargetKind, target_kind
from p2p_conformance.pytest_plugin import chat_socket
from p2p_conformance.pytest_plugin.option_values import number, seconds
from p2p_conformance.pytest_plugin.scope import SUITE_DIR, installed
from p2p_conformance.pytest_plugin.selection import LIVE_MARKER, requested_markers
from p2p_conformance.report.files import REPORTS_OF
from p2p_conformance.report.history import HISTORY_NAME
from p2p_conformance.report.html import PYTEST_HTML_NAME
from p2p_conformance.safety.reading import read_bounded
from p2p_conformance.signer import HmacKey, Key, KeyConfigError, validate_recv_window
from p2p_conformance.signer.env import (
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
MIN_TIMEOUT_SECONDS = 0.1
MAX_WAIT_SECONDS = 7 * 24 * 3600.0  # a week: the longest --interval, --max-wait or --deadline a run takes
FIRST_KEY = "key1"  # the label of the one key of the environment or .env, as the reports name keys
MAX_KEYS_FILE_BYTES = 1_000_000
# Rounds x keys x endpoints: a week of hourly rounds for one key (168 x 65) fits; --repeat 100000 is refused before
# pytest collects (it would make millions of tests).
MAX_LIVE_TESTS = 20_000
KEYS_FILE_FIELDS = {
    "api_key": API_KEY,
    "secret": API_SECRET,
    "private_key_path": PRIVATE_KEY_PATH,
    "passphrase": PRIVATE_KEY_PASSPHRASE,
}


@dataclass(frozen=True, kw_only=True)
class Paths:
    """Where a run writes; they default to the project's folders, never the package's."""

    project: Path  # the folder of the run's pytest configuration (see ``_project``)
    report_dir: Path
    history_db: Path
    cassette_dir: Path

    @property
    def recording_dir(self) -> Path:
        """Where a ``--record-mode`` run records first: the cassettes move in only if all of it succeeded."""
        return self.report_dir / "cassettes-recording"

    @property
    def observed_dir(self) -> Path:
        """Where a run writes request and answer shapes Binance showed: ``contracts/observed/`` beside the
        cassettes (a checkout's catalog, to send back as a contract update), or ``observed/`` in the report folder
        when the cassettes are an installed package's (nothing is written into a package)."""
        if installed(self.cassette_dir):
            return self.report_dir / "observed"
        return self.cassette_dir.parent / "contracts" / "observed"


@dataclass(frozen=True, kw_only=True)
class EmulatorChoice:
    """What ``--emulator`` plays, checked at start-up. The settings hold no :class:`Scenario` (it changes
    phase during a run): the fixture that runs the emulator loads its own with :meth:`load`."""

    scenario: str  # a name in p2p_conformance/emulator/scenarios/ or a file, as given
    description: str
    phases: tuple[str, ...]
    phase: str | None  # a pinned phase; else each round moves to the next one
    strict: bool
    made: Mapping[str, str] = field(default_factory=dict)  # a key -> the phase it was made in (none: from the start)

    @property
    def label(self) -> str:
        """The scenario as the report names it."""
        return self.description + (", strict: stricter than Binance" if self.strict else "")

    def phase_of_round(self, number: int) -> str | None:
        """The story's phase a ``--repeat`` round plays (None for a one-phase story)."""
        if len(self.phases) == 1 and self.phase is None:
            return None
        return self.phase or self.phases[min(number, len(self.phases)) - 1]

    def key_exists(self, key_name: str, number: int) -> bool:
        """Whether the story's key exists in round ``number``: a key made in a later phase (the case made fresh
        keys at 11:53 and 12:14) is not called before it, as the merchant could not have called it."""
        made = self.made.get(key_name)
        played = self.phase_of_round(number) or (self.phases[0] if self.phases else None)
        return made is None or played is None or self.phases.index(played) >= self.phases.index(made)

    def load(self, catalog: Catalog) -> Scenario:
        """A fresh scenario, at its pinned phase if one was given."""
        scenario = load_scenario(self.scenario, catalog)
        if self.phase:
            scenario.set_phase(self.phase)
        return scenario


@dataclass(frozen=True, kw_only=True)
class RunSettings:
    """Everything a run was asked to do."""

    plan: RunPlan  # what the engine's live sessions need: catalog, keys, limits
    paths: Paths
    requested_markers: frozenset[str]  # the opt-in markers ``-m`` names
    recording: bool = False  # ``--record-mode`` other than none: live tests record cassettes
    case_id: str | None = None
    origin: str | None = None  # where the run runs from, stored in the history
    compare_with: tuple[str, ...] = ()  # other merchants' status feeds to read once the run is done
    bundle: bool = False  # also write the evidence bundle (zip) for the ticket
    focus: tuple[str, ...] = ()  # endpoint ids the case is about
    socket: chat_socket.SocketChoice = field(default_factory=chat_socket.SocketChoice)  # off unless --socket
    calls_ahead: bool = True  # a round's calls go out before its tests judge them (not when recording, nor in xdist)
    repeat: int = 1
    base_url: str | None = None  # None with the emulator: its port is known only once it runs
    emulator: EmulatorChoice | None = None
    route: Route = field(default_factory=Route)  # the proxies and CA bundle the environment names for the target

    @property
    def live(self) -> bool:
        return LIVE_MARKER in self.requested_markers

    @property
    def whole_live_tests(self) -> int:
        """The live tests a whole run has: every contract (a mutating one is skipped, not left out) and, with
        ``--socket``, every socket, for each key in each round it exists in."""
        keys = list(self.plan.keys) or [""]
        rounds = range(1, self.repeat + 1)
        return len(self.live_checks) * sum(self.key_in_round(key, number) for key in keys for number in rounds)

    def key_in_round(self, key_name: str, number: int) -> bool:
        """Whether a live test of this key runs in round ``number``: always against a real target; in the
        emulator's story, once the key is made."""
        return self.emulator is None or self.emulator.key_exists(key_name, number)

    @property
    def live_checks(self) -> tuple[Contract, ...]:
        """What each live round checks, for each key (the live tests' parameters)."""
        return self.plan.catalog.live_checks(sockets=self.socket.opened)

    def phase_of_round(self, number: int) -> str | None:
        """The emulator story's phase a round plays (None against a real target)."""
        return self.emulator.phase_of_round(number) if self.emulator is not None else None

    def story_note(self) -> str | None:
        """How many phases the emulator's story has and which this run plays (a story of several, not pinned)."""
        story = self.emulator
        if story is None or story.phase is not None or len(story.phases) < 2:
            return None
        said = f"The emulator's story {story.scenario} has {len(story.phases)} phases ({', '.join(story.phases)})"
        if self.repeat < len(story.phases):
            return f"{said}; --repeat {self.repeat} plays the first {self.repeat}, --repeat {len(story.phases)} all"
        again = f", then {story.phases[-1]} again" if self.repeat > len(story.phases) else ""
        return f"{said}; this run plays them all{again}"

    def interval_note(self) -> str | None:
        """Said before the rounds start: rounds back to back, unless they play a story (the verdict says it again)."""
        if self.repeat < 2 or self.plan.interval > 0 or self.story_note() is not None:
            return None
        return (
            f"--repeat {self.repeat} without --interval: the rounds run back to back, minutes apart at most; give "
            "--interval SECONDS to see the key across hours (the case's rounds: --interval 3600)"
        )


@dataclass(frozen=True, kw_only=True)
class Limits:
    """How much a run may do and how fast: each option a finite number in its range."""

    recv_window: int
    repeat: int
    interval: float
    max_wait: float
    deadline: float
    weight_budget: int  # this process's share
    concurrency: int
    timeout: float


# A name the user gives: shown in reports, stored, and part of file names (the bundle's) and test ids.
LABEL = (r"[A-Za-z0-9][A-Za-z0-9._-]{0,59}", "up to 60 letters, digits, dots, dashes or underscores")
LABEL_WITH_SPACES = (
    r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,59}",
    "up to 60 letters, digits, spaces, dots, dashes or underscores",
)


def _label(label: str | None, what: str, example: str, rule: tuple[str, str] = LABEL) -> str | None:
    """A label (``--case-id``, ``--origin``, a key's name) checked once, before it is shown, stored or named."""
    if label is None:
        return None
    pattern, words = rule
    if not re.fullmatch(pattern, label):
        raise pytest.UsageError(f"{what} {label[:60]!r}: give a label of {words} (e.g. {example})")
    return label


def _pairs(values: Sequence[str], option: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        name, separator, setting = value.partition("=")
        if not separator or not name or not setting:
            raise pytest.UsageError(f"{option} {value!r}: write it as NAME=VALUE")
        pairs[name] = setting
    return pairs


def _validate_url(url: str) -> str:
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


def _catalog(config: pytest.Config) -> Catalog:
    """The catalog with the ``--variant`` choices."""
    try:
        return load_catalog().with_variants(_pairs(config.option.variant, "--variant"))
    except CatalogError as error:
        raise pytest.UsageError(str(error)) from None


def _focus(config: pytest.Config, catalog: Catalog) -> tuple[str, ...]:
    """``--focus``: ids of the catalog's checks, as given: the case's endpoints, which its counts are
    over. (A check that needs a focused endpoint's answer is shown beside it without being counted: see
    :func:`p2p_conformance.report.story.shown_focus`.)"""
    given = tuple(endpoint.strip() for endpoint in config.option.focus.split(",") if endpoint.strip())
    unknown = sorted(set(given) - {check.id for check in catalog.live_checks(sockets=True)})
    if unknown:
        raise pytest.UsageError(
            f"--focus {unknown[0]!r}: not an endpoint id of the catalog (ids as in docs/endpoints.md, "
            "e.g. ads/getAds,ads/search)"
        )
    return tuple(dict.fromkeys(given))


def _user_ids(config: pytest.Config, catalog: Catalog) -> dict[str, str]:
    """``--id KIND=VALUE``: real ids of kinds the catalog knows."""
    user_ids = _pairs(config.option.ids, "--id")
    unknown = sorted(set(user_ids) - set(catalog.id_sources))
    if unknown:
        raise pytest.UsageError(f"--id {unknown[0]}: unknown id kind (known: {', '.join(sorted(catalog.id_sources))})")
    for kind, value in user_ids.items():
        source = catalog.id_sources[kind]
        if not source.accepts(value):
            expected = f"expected {source.pattern}, e.g. {source.placeholder}"
            raise pytest.UsageError(f"--id {kind}=...: not an {kind} ({expected})")
    return user_ids


def _limits(config: pytest.Config) -> Limits:
    """recvWindow, rounds, waits, the deadline, the weight budget (shared out among pytest-xdist workers)
    and the concurrency."""
    recv_window = number(config.option.recv_window, "--recv-window", int)
    try:
        validate_recv_window(recv_window)
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None
    repeat = number(config.option.repeat, "--repeat", int)
    interval = seconds(config.option.interval, "--interval", 0.0, MAX_WAIT_SECONDS)
    max_wait = seconds(config.option.max_wait, "--max-wait", 0.0, MAX_WAIT_SECONDS)
    deadline = seconds(config.option.deadline, "--deadline", MIN_TIMEOUT_SECONDS, MAX_WAIT_SECONDS)
    if repeat < 1:
        raise pytest.UsageError("--repeat must be at least 1")
    waits = (repeat - 1) * interval
    if waits >= deadline:  # the deadline counts from the run's start: later rounds would never be sent
        raise pytest.UsageError(
            f"--repeat {repeat} --interval {interval:g} waits {waits:g} s between rounds, past --deadline "
            f"{deadline:g}: give --deadline {waits + 300:g} (the waits and 300 s for the calls)"
        )
    timeout = seconds(config.option.request_timeout, "--request-timeout", MIN_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS)
    weight_budget = number(config.option.weight_budget, "--weight-budget", int)
    concurrency = number(config.option.concurrency, "--concurrency", int)
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise pytest.UsageError(f"--concurrency must be from 1 to {MAX_CONCURRENCY} calls at once")
    workers = int(getattr(config, "workerinput", {}).get("workercount", 1))  # pytest-xdist: each its share
    if weight_budget < workers:
        raise pytest.UsageError(f"--weight-budget must be at least 1 a minute for each of the {workers} worker(s)")
    return Limits(
        recv_window=recv_window,
        repeat=repeat,
        interval=interval,
        max_wait=max_wait,
        deadline=deadline,
        weight_budget=weight_budget // workers,
        concurrency=concurrency,
        timeout=timeout,
    )


def _verifiable(config: pytest.Config) -> KeyShown | None:
    """``--verifiable`` (the key as its fingerprint) or ``--verifiable-with-key`` (in full), else None."""
    if config.option.verifiable_with_key:
        return KeyShown.FULL
    return KeyShown.FINGERPRINT if config.option.verifiable else None


def _project(config: pytest.Config) -> Path:
    """The folder of the run's pytest configuration (the project's ``pyproject.toml``), else where pytest was
    started. Not pytest's rootdir: pytest chooses that before it knows this plugin's options, so a path given
    after one of them (``--keys-file /elsewhere/keys.toml``) counts as a test path then and can move it."""
    return config.inipath.parent if config.inipath is not None else config.invocation_params.dir


def _validate_within(project: Path, folder: Path, fix: str) -> None:
    """A default folder that is a link out of the project (``reports -> /elsewhere``) is not written through:
    one line saying the ``fix`` (name the place with an option, or remove the link)."""
    for step in [folder, *folder.parents]:
        if step == project or project not in step.parents:
            return
        if step.is_symlink() and not step.resolve().is_relative_to(project.resolve()):
            raise pytest.UsageError(f"{step} is a link to {step.resolve()}, outside the project: {fix}")


def _paths(config: pytest.Config, base_url: str | None) -> Paths:
    """Emulator runs, and runs against an address none of Binance's, keep their reports and history apart, so demos
    and mocks never mix with real evidence; the reports and history of a run do not depend on where its key file or
    scenario lives."""
    project = _project(config)
    kind = TargetKind.EMULATOR if config.option.emulator else target_kind(None, base_url)  # before any answer
    default_reports = project / "reports" / REPORTS_OF[kind]
    if not config.option.report_dir:
        reports_fix = f"to write the reports there, give --report-dir {default_reports.resolve()}"
        _validate_within(project, default_reports, reports_fix)
    report_dir = Path(config.option.report_dir or default_reports)
    paths = Paths(
        project=project,
        report_dir=report_dir,
        history_db=Path(config.option.history_db or report_dir / HISTORY_NAME),
        cassette_dir=Path(config.option.cassette_dir or SUITE_DIR / "cassettes").resolve(),
    )
    checkout = paths.cassette_dir.parent  # the observed shapes go beside the cassettes: a link out is refused too
    _validate_within(checkout, paths.observed_dir, "remove the link (the shapes Binance showed are written there)")
    return paths


def _emulator_choice(config: pytest.Config, catalog: Catalog) -> tuple[EmulatorChoice, dict[str, Key]]:
    """The scenario ``--emulator`` plays (checked now), and the keys it knows."""
    choice = config.option.scenario or DEFAULT_SCENARIO
    try:
        scenario = load_scenario(choice, catalog)
        if config.option.phase:
            scenario.set_phase(config.option.phase)
    except ScenarioError as error:
        raise pytest.UsageError(f"--scenario: {error}") from None
    keys: dict[str, Key] = {name: HmacKey(key.api_key, key.secret) for name, key in scenario.keys.items() if key.secret}
    if not keys:
        raise pytest.UsageError("--scenario: no key has an HMAC secret to sign with")
    emulator = EmulatorChoice(
        scenario=choice,
        description=scenario.description,
        phases=tuple(phase.name for phase in scenario.phases),
        phase=config.option.phase,
        strict=config.option.strict_emulator,
        made={name: key.made for name, key in scenario.keys.items() if key.made is not None and name in keys},
    )
    return emulator, keys


def _keys_from_file(path: Path) -> dict[str, Key]:
    """Keys listed in a TOML file, one table per key: api_key with secret, or private_key_path."""
    try:
        data = read_bounded(
            path, MAX_KEYS_FILE_BYTES, lambda size: pytest.UsageError(f"keys file {path}: {size}, not a keys file")
        )
        document = tomllib.loads(data.decode("utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else type(error).__name__
        raise pytest.UsageError(f"keys file {path}: cannot be read ({reason})") from None
    keys = {}
    for name, table in document.items():
        _label(name, f"keys file {path}: table", "[main], [backup-key]")
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


def _dotenv(config: pytest.Config) -> Path:
    """``.env`` where pytest was started, else the project's (a run from ``tests/`` finds the project's key)."""
    here = config.invocation_params.dir / ".env"
    return here if here.is_file() else _project(config) / ".env"


def _target_and_keys(config: pytest.Config) -> tuple[str, dict[str, Key]]:
    """A live run's target (``--binance-url``, ``BINANCE_BASE_URL``, else Binance) and keys (``--keys-file``,
    ``BINANCE_KEYS_FILE``, else the key in the environment or ``.env``)."""
    try:
        environment = binance_settings(dotenv_path=_dotenv(config))
    except KeyConfigError as error:  # a .env that cannot be read: which file, and how to save it
        raise pytest.UsageError(str(error)) from None
    url = _validate_url(config.option.binance_url or environment.get(BASE_URL) or DEFAULT_BASE_URL)
    keys_file = config.option.keys_file or environment.get(KEYS_FILE)
    if keys_file:
        return url, _keys_from_file(Path(keys_file))
    try:
        return url, {FIRST_KEY: key_from_settings(environment)}
    except KeyConfigError as error:
        raise pytest.UsageError(f"live run: {error} (or run against the local emulator with --emulator)") from None


def _validate_combinations(config: pytest.Config, live: bool, recording: bool) -> None:
    """Options that only mean something together with another."""
    if config.option.cross_check and official_version() is None:
        raise pytest.UsageError(INSTALL_HINT)
    if not config.option.emulator and (config.option.scenario or config.option.phase or config.option.strict_emulator):
        raise pytest.UsageError(
            "--scenario, --phase and --strict-emulator are about the local emulator: add --emulator"
        )
    if recording and not live:
        raise pytest.UsageError(
            "--record-mode records cassettes from a live target: add -m live (and --emulator "
            "to record from the local emulator)"
        )
    if config.option.emulator and not live:
        raise pytest.UsageError("--emulator runs the live tests: add -m live")
    if (config.option.verifiable or config.option.verifiable_with_key) and not config.option.bundle:
        raise pytest.UsageError(
            "--verifiable puts the run's requests as sent into the evidence bundle: add --bundle (and -m live)"
        )
    if config.option.bundle and not live:
        raise pytest.UsageError("--bundle packs a live run's report for the ticket: add -m live")
    if config.option.emulator and config.option.keys_file:
        raise pytest.UsageError(
            "--keys-file names keys for a real target; --emulator signs with its scenario's keys: leave out one of them"
        )


# The suite's options that name a file or folder
PATH_OPTIONS = ("--cassette-dir", "--report-dir", "--keys-file", "--history-db", "--scenario")
SETTINGS_FILES = ("pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")  # where pytest looks


def _compare_with(config: pytest.Config) -> tuple[str, ...]:
    """``--compare-with``: checked before anything is sent (each an https:// URL or a file)."""
    if config.option.compare_with is None:
        return ()
    try:
        return feeds.sources(config.option.compare_with, config.invocation_params.dir)
    except feeds.FeedSourceError as error:
        raise pytest.UsageError(str(error)) from None
    except OSError as error:  # the @FILE that lists them
        raise pytest.UsageError(f"--compare-with: {error.filename}: {error.strerror}") from None


def _settles(path: Path) -> bool:
    """Whether pytest would read its settings from ``path``: a pytest.ini always, the others with their section."""
    if not path.is_file():
        return False
    if path.name in ("pytest.ini", ".pytest.ini"):
        return True
    with path.open("rb") as file:
        text = file.read(1_000_000).decode("utf-8", errors="replace")
    section = {"pyproject.toml": "[tool.pytest", "tox.ini": "[pytest]", "setup.cfg": "[tool:pytest]"}[path.name]
    return section in text


def _paths_given_apart(config: pytest.Config) -> None:
    """A path option given as ``--cassette-dir /elsewhere`` (a space, not ``=``) to an existing path outside the
    folder pytest runs in: pytest chooses its settings file before it knows the suite's options, took the path
    for a folder to test, and looked there; the settings file of the folder it runs in went unread (a checkout's
    pyproject.toml: its markers, its test paths)."""
    here = config.invocation_params.dir
    if config.inipath is not None and config.inipath.parent in (here, *here.parents):
        return
    unread = next((f / name for f in (here, *here.parents) for name in SETTINGS_FILES if _settles(f / name)), None)
    arguments = list(config.invocation_params.args)
    for flag, value in pairwise(arguments):
        path = (here / value).resolve()
        if unread is not None and flag in PATH_OPTIONS and path.exists() and here not in (path, *path.parents):
            raise pytest.UsageError(
                f"write {flag}={value} (with '='): given with a space, pytest took {value} for a folder to test "
                f"before it knew {flag}, and did not read {unread}"
            )


def read_settings(config: pytest.Config) -> RunSettings:
    """The run's settings; raises :class:`pytest.UsageError` (one line, exit status 4) on bad input. The
    options are checked before the keys are read: a mistyped option is named even when no key is set."""
    _paths_given_apart(config)
    catalog = _catalog(config)
    limits = _limits(config)
    focus = _focus(config, catalog)
    user_ids = _user_ids(config, catalog)
    origin = _label(config.option.origin, "--origin", "home-isp, github-eu-west", LABEL_WITH_SPACES)
    case_id = _label(config.option.case_id, "--case-id", "144098731")
    requested = requested_markers(config.option.markexpr or "")
    live = LIVE_MARKER in requested
    recording = config.option.record_mode not in (None, "none")
    _validate_combinations(config, live, recording)
    socket = chat_socket.read_choice(config, live, focus, catalog)
    emulator: EmulatorChoice | None = None
    base_url: str | None = None
    keys: dict[str, Key] = {}
    if config.option.emulator:
        emulator, keys = _emulator_choice(config, catalog)
    elif live:
        base_url, keys = _target_and_keys(config)
    try:  # an offline run reaches no target: the environment's proxies and CA bundle are not its business
        route = environment_route(base_url or "http://127.0.0.1") if live else Route()  # the emulator: loopback
    except RouteError as error:
        raise pytest.UsageError(str(error)) from None
    probe_limit = number(config.option.probe_limit, "--probe-limit", int)
    if not 1 <= probe_limit <= MAX_PROBE_LIMIT:
        raise pytest.UsageError(f"--probe-limit must be from 1 to {MAX_PROBE_LIMIT} endpoints")
    plan = RunPlan(
        catalog=catalog,
        keys=keys,
        recv_window=limits.recv_window,
        user_ids=user_ids,
        interval=limits.interval,
        cross_check=config.option.cross_check,
        max_wait=limits.max_wait,
        deadline=limits.deadline,
        weight_budget=limits.weight_budget,
        concurrency=limits.concurrency,
        timeout=limits.timeout,
        socket_listen=socket.listen,
        probe_limit=probe_limit if config.option.probe else 0,
        probe_endpoints=frozenset(focus),
        verifiable=_verifiable(config),
    )
    settings = RunSettings(
        plan=plan,
        paths=_paths(config, base_url),
        requested_markers=requested,
        recording=recording,
        case_id=case_id,
        origin=origin,
        compare_with=_compare_with(config),
        bundle=config.option.bundle,
        focus=focus,
        socket=socket,
        calls_ahead=not recording and not hasattr(config, "workerinput"),
        repeat=limits.repeat,
        base_url=base_url,
        emulator=emulator,
        route=route,
    )
    tests = settings.whole_live_tests
    if live and tests > MAX_LIVE_TESTS:
        raise pytest.UsageError(
            f"--repeat {limits.repeat} with {len(keys)} key(s) makes {tests} live tests "
            f"({tests // (limits.repeat * max(len(keys), 1))} a round and key): at most {MAX_LIVE_TESTS}; give fewer "
            "rounds or keys"
        )
    return settings


def report_options(config: pytest.Config, settings: RunSettings) -> None:
    """pytest's own options where a live run is reported: the verdict block replaces per-test failure lines
    (unless ``--tb`` asks for them), and pytest-html, when active, writes its own pass/fail page beside the
    support page (which the suite writes itself, with or without pytest-html)."""
    if config.option.tbstyle == "auto":
        config.option.tbstyle, config.option.reportchars = "no", ""
    if config.pluginmanager.hasplugin("html") and not config.option.htmlpath:
        config.option.htmlpath = str(settings.paths.report_dir / PYTEST_HTML_NAME)
        config.option.self_contained_html = True


def withdraw_html_page(config: pytest.Config, settings: RunSettings) -> None:
    """pytest-html writes no page for a live run that ran no live test (a ``-k`` that matched none): it would replace
    the last run's page, which that run's support page links to, with an empty one. Only the page
    :func:`report_options` asked for: an ``--html`` of the user's own stays theirs."""
    if config.option.htmlpath != str(settings.paths.report_dir / PYTEST_HTML_NAME):
        return
    for plugin in config.pluginmanager.get_plugins():
        if isinstance(plugin, BaseReport):
            config.pluginmanager.unregister(plugin)
