"""The history store: every live run's results, in an SQLite file (``reports/history.sqlite3``).

One row per run, endpoint and key. Only the pytest controller process writes (xdist workers
send their results to it), each run in one transaction; WAL and a busy timeout let two
overlapping runs share the file. A file that is not this suite's history is never written to:
it is refused with a clear error, and nothing is ever overwritten or recreated silently. Only a
live run's writer upgrades an older history; readers (the history report) open a file read-only
and read every schema version this suite wrote, as it is.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, cast

from p2p_conformance.errors import FileError
from p2p_conformance.model import AnswerKind, EndpointRecord, OthersSaw, Outcome, Side
from p2p_conformance.report.status_feed import HOUR, OUTCOME

APPLICATION_ID = 0x50325043  # "P2PC"
SCHEMA_VERSION = 6
HISTORY_NAME = "history.sqlite3"
ANOTHER_FILE = "another history file (pytest --history-db, p2p-history-report --db)"
BUSY_SECONDS = 30.0  # how long a run waits for another run's write to the same history to end
# What other merchants' status feeds saw of an endpoint in the run's hour (--compare-with): a row per outcome
OTHERS_TABLE = """CREATE TABLE others (
    run_id TEXT NOT NULL REFERENCES runs(run_id),
    endpoint_id TEXT NOT NULL,
    hour TEXT NOT NULL,
    merchants INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (run_id, endpoint_id, outcome)
)"""
OTHERS_COLUMNS = ("run_id", "endpoint_id", "hour", "merchants", "outcome", "count")
MAX_MERCHANTS = 10_000_000  # other merchants counted in one hour: more is not a count this suite made
SCHEMA = (
    """CREATE TABLE runs (
        run_id TEXT PRIMARY KEY,
        started_at TEXT NOT NULL,
        base_url TEXT NOT NULL,
        case_id TEXT,
        label TEXT,
        origin TEXT,
        focus TEXT,
        emulator TEXT
    )""",
    """CREATE TABLE results (
        run_id TEXT NOT NULL REFERENCES runs(run_id),
        endpoint_id TEXT NOT NULL,
        key_fingerprint TEXT NOT NULL,
        outcome TEXT NOT NULL,
        http_status INTEGER,
        code TEXT,
        side TEXT NOT NULL,
        latency_ms REAL,
        key_name TEXT,
        recognised INTEGER,
        kind TEXT,
        PRIMARY KEY (run_id, endpoint_id, key_fingerprint)
    )""",
    "CREATE INDEX results_by_series ON results (endpoint_id, key_fingerprint, run_id)",
    "CREATE INDEX runs_by_time ON runs (started_at)",
    OTHERS_TABLE,
    f"PRAGMA application_id = {APPLICATION_ID}",
    f"PRAGMA user_version = {SCHEMA_VERSION}",
)
# From each older schema version of this suite's history to the next: what changed, nothing lost.
MIGRATIONS = {
    1: ("ALTER TABLE runs ADD COLUMN label TEXT", "PRAGMA user_version = 2"),  # the emulator story's phase
    2: ("ALTER TABLE runs ADD COLUMN origin TEXT", "PRAGMA user_version = 3"),  # where the run ran from (--origin)
    3: (  # the case's endpoints (--focus), the emulator's scenario, each key's label and whether Binance knew it
        "ALTER TABLE runs ADD COLUMN focus TEXT",
        "ALTER TABLE runs ADD COLUMN emulator TEXT",
        "ALTER TABLE results ADD COLUMN key_name TEXT",
        "ALTER TABLE results ADD COLUMN recognised INTEGER",
        "PRAGMA user_version = 4",
    ),
    4: ("ALTER TABLE results ADD COLUMN kind TEXT", "PRAGMA user_version = 5"),  # what the answer was (an empty 200)
    5: (  # what other merchants' status feeds saw in the run's hour (--compare-with)
        OTHERS_TABLE,
        "PRAGMA user_version = 6",
    ),
}
OTHERS_FROM = 6  # the version whose files keep what other merchants saw
# What each version's rows hold beyond the first: a reader asks an older file for NULL instead.
ADDED_IN = {"label": 2, "origin": 3, "focus": 4, "emulator": 4, "key_name": 4, "recognised": 4, "kind": 5}


class HistoryError(FileError, RuntimeError):
    """The history file cannot be used; the message says which file and what to do."""


class Row(NamedTuple):
    """One stored result: a run, an endpoint, a key (a named tuple: histories are long)."""

    run_id: str
    started_at: str
    endpoint_id: str
    key_fingerprint: str
    outcome: Outcome
    http_status: int | None
    code: str | None
    side: Side
    latency_ms: float | None
    phase: str | None  # the emulator story's phase of the run ("July 9 12:14"; stored in the column label)
    origin: str | None = None  # where the run ran from (``--origin``), e.g. a CI runner's region
    focus: str | None = None  # the run's ``--focus`` endpoints, comma-separated
    emulator: str | None = None  # the scenario, when the run went to the local emulator and not to Binance
    key_name: str | None = None  # the key's label in that run
    recognised: bool | None = None  # whether Binance recognised the key on any call of that run (None: not stored)
    base_url: str | None = None  # the run's target
    case_id: str | None = None
    kind: AnswerKind | None = None  # what the answer was, e.g. an empty 200 (None: an older history did not store it)


def _validate_or_create(connection: sqlite3.Connection, path: Path, verify: bool) -> None:
    """Accept our own history (an older schema of ours is upgraded in place, nothing lost), create one in an
    empty file, refuse anything else untouched."""
    try:
        connection.execute("BEGIN IMMEDIATE")  # two runs creating the same new file: one waits
        application_id = connection.execute("PRAGMA application_id").fetchone()[0]
        tables = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if application_id == 0 and tables == 0 and version == 0:
            for statement in SCHEMA:
                connection.execute(statement)
            connection.execute("COMMIT")
            return
        if application_id == APPLICATION_ID:
            while version in MIGRATIONS:
                for statement in MIGRATIONS[version]:
                    connection.execute(statement)
                version += 1
            if verify:  # before a run sends anything: the whole file readable, and writable
                damage = connection.execute("PRAGMA quick_check").fetchone()[0]
                if damage != "ok":
                    raise sqlite3.DatabaseError(f"damaged: {damage}")
                connection.execute(f"PRAGMA user_version = {version}")  # a write: refused here, not after the run
        connection.execute("COMMIT")
    except sqlite3.DatabaseError as error:
        if getattr(error, "sqlite_errorname", "") in ("SQLITE_BUSY", "SQLITE_LOCKED"):
            raise HistoryError(
                f"{path} is being written by another run (it stayed locked for {BUSY_SECONDS:g} s): run again once "
                f"it has ended, or give {ANOTHER_FILE}; it was left untouched"
            ) from None
        raise HistoryError(
            f"{path} is not a readable history file ({error}): move it away or give "
            f"{ANOTHER_FILE}; it was left untouched"
        ) from None
    if application_id != APPLICATION_ID:
        raise HistoryError(
            f"{path} is an SQLite file of something else: move it away or give {ANOTHER_FILE}; it was left untouched"
        )
    if version != SCHEMA_VERSION:
        raise HistoryError(
            f"{path} is a history of schema version {version}, this suite reads "
            f"{SCHEMA_VERSION}: use a matching version or {ANOTHER_FILE}"
        )


SIDE_FILES = ("-wal", "-shm", "-journal")  # what SQLite writes beside a database


@contextmanager
def open_history(path: Path, verify: bool = False) -> Iterator[sqlite3.Connection]:
    """A checked connection for the writer to the history at ``path`` (created when missing, an older
    schema upgraded); ``verify`` also reads the whole file and probes a write (once per run, before it
    sends anything)."""
    _refuse_folder_or_link(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():  # the history names the case, the target and the keys' fingerprints: owner only
            path.touch(mode=0o600)
        opened = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None)
    except (OSError, sqlite3.Error) as error:
        raise HistoryError(f"{path} cannot be created ({error}): give {ANOTHER_FILE} in a writable folder") from None
    with closing(opened) as connection:
        _validate_or_create(connection, path, verify)
        try:
            connection.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError as error:
            raise HistoryError(f"{path} cannot be opened ({error})") from None
        yield connection


def _refuse_folder_or_link(path: Path) -> None:
    if path.is_dir():
        raise HistoryError(f"{path} is a folder: give the history file's path (e.g. {path / HISTORY_NAME})")
    # A link planted at the history's name (or at SQLite's files beside it) would be written through, wherever it
    # points: the history is written only as a file of its own, as the report files are.
    linked = [name for name in (path, *(path.with_name(path.name + end) for end in SIDE_FILES)) if name.is_symlink()]
    if linked:
        raise HistoryError(
            f"{linked[0]} is a link: the history is written only to a file of its own; remove the link, or give "
            "--history-db the real file's path"
        )


def validate_history(path: Path) -> None:
    """Refuse, before a run sends anything, a history file it could not add to. A missing one is not made here
    (its folder is checked writable before): a run that ends up sending nothing leaves no file behind."""
    _refuse_folder_or_link(path)
    if path.exists():
        with open_history(path, verify=True):
            pass


def _stored(record: EndpointRecord, recognised: bool | None) -> tuple[object, ...]:
    code = None if record.answer.code is None else str(record.answer.code)
    return (
        record.id,
        record.key_fingerprint,
        record.outcome.value,
        record.answer.http_status,
        code,
        record.side.value,
        record.answer.latency_ms,
        record.key_name,
        recognised,
        record.answer.kind.value,
    )


@dataclass(frozen=True, kw_only=True)
class StoredRun:
    """One run (a ``--repeat`` round) as the history keeps it."""

    run_id: str
    started_at: str
    base_url: str
    case_id: str | None
    records: Sequence[EndpointRecord]
    phase: str | None = None  # the emulator story's phase (the column label)
    origin: str | None = None
    focus: Sequence[str] = ()
    emulator: str | None = None
    recognised: Mapping[str, bool] = field(default_factory=dict)  # key name -> Binance recognised it in this run
    others: Sequence[OthersSaw] = ()  # what other merchants' feeds saw in this run's hour (--compare-with)


def store_runs(path: Path, runs: Iterable[StoredRun]) -> None:
    """Store runs and their records in one transaction: all of them, or nothing."""
    with open_history(path) as connection:
        try:
            connection.execute("BEGIN IMMEDIATE")
            for run in runs:
                connection.execute(
                    "INSERT INTO runs (run_id, started_at, base_url, case_id, label, origin, focus, emulator) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        run.run_id,
                        run.started_at,
                        run.base_url,
                        run.case_id,
                        run.phase,
                        run.origin,
                        ",".join(run.focus) or None,
                        run.emulator,
                    ),
                )
                connection.executemany(
                    "INSERT INTO results (run_id, endpoint_id, key_fingerprint, outcome, http_status, code, side, "
                    "latency_ms, key_name, recognised, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(run.run_id, *_stored(record, run.recognised.get(record.key_name))) for record in run.records],
                )
                connection.executemany(
                    f"INSERT INTO others ({', '.join(OTHERS_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        (run.run_id, saw.endpoint, saw.hour, saw.merchants, outcome, count)
                        for saw in run.others
                        for outcome, count in saw.outcomes.items()
                    ],
                )
            connection.execute("COMMIT")
        except sqlite3.Error as error:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise HistoryError(f"{path}: the run was not stored, nothing of it was written ({error})") from None


@contextmanager
def reading(path: Path) -> Iterator[tuple[sqlite3.Connection, int]]:
    """A read-only connection to the history at ``path`` and its schema version: nothing is created,
    upgraded or switched (a report never changes the file it reads)."""
    if not path.is_file():
        raise HistoryError(f"{path} does not exist: run `pytest -m live` first, or give {ANOTHER_FILE}")
    try:
        opened = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_SECONDS)
    except sqlite3.Error as error:
        raise HistoryError(f"{path} cannot be opened ({error})") from None
    with closing(opened) as connection:
        try:
            application_id = connection.execute("PRAGMA application_id").fetchone()[0]
            version = connection.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise HistoryError(f"{path} is not a readable history file ({error}): give {ANOTHER_FILE}") from None
        if application_id != APPLICATION_ID:
            raise HistoryError(f"{path} is an SQLite file of something else: give {ANOTHER_FILE}")
        if not 1 <= version <= SCHEMA_VERSION:
            raise HistoryError(
                f"{path} is a history of schema version {version}, this suite reads 1 to {SCHEMA_VERSION}: "
                f"use a matching version or {ANOTHER_FILE}"
            )
        yield connection, version


def _column(name: str, table: str, version: int) -> str:
    """``table.name``, or NULL where the file's schema version has no such column yet."""
    return f"{table}.{name}" if ADDED_IN.get(name, 1) <= version else "NULL"


def load_rows(
    path: Path, since: str | None = None, key_fingerprint: str | None = None, last_runs: int | None = None
) -> list[Row]:
    """Stored results in time order, from ``since`` (ISO 8601) on, for one key fingerprint if given,
    of the latest ``last_runs`` runs if given (selected in SQL: a long history is not read whole)."""
    with reading(path) as (connection, version):
        columns = ", ".join(
            [
                "r.run_id, runs.started_at, r.endpoint_id, r.key_fingerprint, r.outcome, r.http_status, r.code, r.side",
                "r.latency_ms",
                *(_column(name, "runs", version) for name in ("label", "origin", "focus", "emulator")),
                *(_column(name, "r", version) for name in ("key_name", "recognised")),
                "runs.base_url, runs.case_id",
                _column("kind", "r", version),
            ]
        )
        query = f"SELECT {columns} FROM results r JOIN runs USING (run_id) WHERE runs.started_at >= ?"
        parameters: list[str | int] = [since or ""]
        if key_fingerprint:
            query += " AND r.key_fingerprint = ?"
            parameters.append(key_fingerprint)
        if last_runs is not None:
            window, window_parameters = _runs_query(since, key_fingerprint)
            query += f" AND r.run_id IN ({window} ORDER BY started_at DESC, run_id DESC LIMIT ?)"
            parameters += [*window_parameters, last_runs]
        try:
            rows = connection.execute(
                query + " ORDER BY runs.started_at, r.run_id LIMIT ?", [*parameters, MAX_ROWS + 1]
            ).fetchall()
        except sqlite3.DatabaseError as error:
            raise HistoryError(f"{path} cannot be read ({error})") from None
    if len(rows) > MAX_ROWS:
        raise HistoryError(
            f"{path} holds more than {MAX_ROWS:,} results in the runs asked for: give --since, --key or fewer --columns"
        )
    try:
        return [_row(stored) for stored in rows]
    except ValueError as error:
        raise HistoryError(f"{path} holds a result this suite did not write ({error})") from None


# What each stored column may hold (SQLite keeps any value in any column: a crafted file could hold bytes).
TEXT_FIELDS = ("run_id", "started_at", "endpoint_id", "key_fingerprint", "outcome", "side")
OPTIONAL_TEXT = ("code", "phase", "origin", "focus", "emulator", "key_name", "base_url", "case_id")
STORED_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z")  # utc_now()'s form
MAX_TEXT = 2000  # characters of any stored text: longer is not something this suite wrote
MAX_ROWS = 250_000  # results a report reads at most (60 runs of 43 endpoints for 96 keys); more is not a history


def _checked(name: str, value: object, kinds: tuple[type, ...]) -> None:
    if isinstance(value, bool) or not isinstance(value, kinds) or (isinstance(value, str) and len(value) > MAX_TEXT):
        shown = type(value).__name__ if not isinstance(value, str) else f"a text of {len(value):,} characters"
        raise ValueError(f"{name} holds {shown}")


def _row(stored: tuple[object, ...]) -> Row:
    """A stored result as the reports read it (each value of the type this suite writes), its outcome and side
    as the model's closed sets."""
    row = Row._make(stored)
    for name in TEXT_FIELDS:
        _checked(name, getattr(row, name), (str,))
    for name in OPTIONAL_TEXT:
        _checked(name, getattr(row, name), (str, type(None)))
    _checked("http_status", row.http_status, (int, type(None)))
    _checked("latency_ms", row.latency_ms, (int, float, type(None)))
    _checked("recognised", row.recognised, (int, type(None)))
    if not STORED_TIME.fullmatch(row.started_at):
        raise ValueError(f"started_at holds {row.started_at[:40]!r}, not a UTC time as this suite writes it")
    recognised = None if row.recognised is None else bool(row.recognised)
    _checked("kind", row.kind, (str, type(None)))
    kind = None if row.kind is None else AnswerKind(row.kind)
    return row._replace(outcome=Outcome(row.outcome), side=Side(row.side), recognised=recognised, kind=kind)


def _runs_query(since: str | None, key_fingerprint: str | None) -> tuple[str, list[str | int]]:
    """The runs from ``since`` on, that have a result for ``key_fingerprint`` if given (uses the indexes)."""
    query = "SELECT run_id FROM runs WHERE started_at >= ?"
    parameters: list[str | int] = [since or ""]
    if key_fingerprint:
        query += " AND EXISTS (SELECT 1 FROM results x WHERE x.run_id = runs.run_id AND x.key_fingerprint = ?)"
        parameters.append(key_fingerprint)
    return query, parameters


class RunSpan(NamedTuple):
    """How many runs a history holds (from a date, for a key), and when the first and the last started."""

    runs: int
    first: str | None
    last: str | None


def run_span(path: Path, since: str | None = None, key_fingerprint: str | None = None) -> RunSpan:
    """Counted in SQL: the whole history is never read for it."""
    query, parameters = _runs_query(since, key_fingerprint)
    with reading(path) as (connection, _):
        found = connection.execute(
            f"SELECT count(*), min(started_at), max(started_at) FROM runs WHERE run_id IN ({query})", parameters
        ).fetchone()
    return RunSpan(*found)


def load_others(path: Path, run_ids: Iterable[str]) -> dict[str, list[OthersSaw]]:
    """What other merchants' feeds saw, as the runs ``run_ids`` stored it (``--compare-with``): by run, each endpoint
    and hour once. A history older than :data:`OTHERS_FROM`, or a run that read no feed, has nothing."""
    wanted = list(dict.fromkeys(run_ids))
    found: dict[tuple[str, str, str], tuple[int, dict[str, int]]] = {}
    with reading(path) as (connection, version):
        if version < OTHERS_FROM:
            return {}
        for start in range(0, len(wanted), 500):  # SQLite's bound on a statement's parameters
            chunk = wanted[start : start + 500]
            try:
                rows = connection.execute(
                    f"SELECT {', '.join(OTHERS_COLUMNS)} FROM others "
                    f"WHERE run_id IN ({', '.join('?' * len(chunk))}) ORDER BY run_id, endpoint_id, outcome LIMIT ?",
                    [*chunk, MAX_ROWS + 1],
                ).fetchall()
            except sqlite3.DatabaseError as error:
                raise HistoryError(f"{path} cannot be read ({error})") from None
            if len(rows) > MAX_ROWS:
                raise HistoryError(f"{path} holds more than {MAX_ROWS:,} counts of other merchants for these runs")
            for stored in rows:
                try:
                    run_id, endpoint, hour, merchants, outcome, count = _checked_others(stored)
                except ValueError as error:
                    raise HistoryError(f"{path} holds a result this suite did not write ({error})") from None
                merchants_before, outcomes = found.setdefault((run_id, endpoint, hour), (merchants, {}))
                if merchants_before != merchants:
                    raise HistoryError(f"{path} holds two counts of other merchants for one endpoint and hour")
                outcomes[outcome] = count
    by_run: dict[str, list[OthersSaw]] = {}
    for (run_id, endpoint, hour), (merchants, outcomes) in found.items():
        saw = OthersSaw(endpoint=endpoint, hour=hour, merchants=merchants, outcomes=outcomes)
        by_run.setdefault(run_id, []).append(saw)
    return by_run


def _checked_others(stored: tuple[object, ...]) -> tuple[str, str, str, int, str, int]:
    """A stored row of what others saw, each value of the type and form this suite writes."""
    for name, value, kind in zip(OTHERS_COLUMNS, stored, (str, str, str, int, str, int), strict=True):
        _checked(name, value, (kind,))
    run_id, endpoint, hour, merchants, outcome, count = cast(tuple[str, str, str, int, str, int], stored)
    if not HOUR.fullmatch(hour) or not OUTCOME.fullmatch(outcome):
        raise ValueError(f"others holds {hour[:20]!r} / {outcome[:40]!r}, not an hour and an outcome of a status feed")
    if not 1 <= count <= merchants <= MAX_MERCHANTS:
        raise ValueError(f"others holds {count:,} of {merchants:,} merchants")
    return run_id, endpoint, hour, merchants, outcome, count
