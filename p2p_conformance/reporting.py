"""The live run's reporting: collect every endpoint's record, store the run, write the reports.

Two plugins, so that pytest-xdist works: :class:`~p2p_conformance.record_maker.RecordMaker` runs
where the tests run and attaches each record to its test report; :class:`RunCollector` runs in
the controller (or the only process), collects them and writes the history and the report files
once, at the end.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from p2p_conformance.history import HistoryError, check_history, load_rows, record_run
from p2p_conformance.record_maker import RECORD_PROPERTY, ROUND_PROPERTY, SESSION_PROPERTY, RecordMaker
from p2p_conformance.records import EndpointRecord, KeySession, RunRecord
from p2p_conformance.report_files import HTML_NAME, guard_file, keep_timestamped_copies, write_summaries
from p2p_conformance.report_html import (
    control_checks,
    endpoint_table,
    failures_by_side,
    key_matrix,
    run_header,
    timeline,
)
from p2p_conformance.sessions import utc_now
from p2p_conformance.settings import RunSettings
from p2p_conformance.trends import Series, series, since_previous, trends
from signer.keys import secret_texts

TREND_WINDOW_RUNS = 50


class RunCollector:
    """Collects the records, stores the run in the history, writes the report files."""

    def __init__(self, config: pytest.Config, settings: RunSettings, secrets: tuple[str, ...]) -> None:
        self.settings = settings
        self.secrets = secrets
        self.run = RunRecord(utc_now(), config.option.case_id)
        self.run_id = f"{self.run.started_at}-{uuid.uuid4().hex[:8]}"  # overlapping runs may start together
        self.records: dict[str, EndpointRecord] = {}
        self.sessions: dict[str, KeySession] = {}
        self.series: Series = {}  # the recent history, per endpoint and key
        self.trends: dict[tuple[str, str], str] = {}

    def __repr__(self) -> str:
        return f"RunCollector({len(self.records)} records)"

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        value: Any
        for name, value in report.user_properties:
            if name == RECORD_PROPERTY:
                self.records[report.nodeid] = EndpointRecord.from_dict(value)
            elif name == SESSION_PROPERTY:
                self.sessions.setdefault(value["name"], KeySession.from_dict(value))
            elif name == ROUND_PROPERTY:
                number, started = value
                self.run.rounds[number] = min(started, self.run.rounds.get(number, started))

    def _store_history(self) -> None:
        """Store each round as a run, then give every record its trend and the run its changes."""
        records, stamp = list(self.records.values()), self.run.started_at
        base_url = next(iter(self.sessions.values())).base_url if self.sessions else str(self.settings.base_url)
        for number in sorted({r.round for r in records}):
            rows = [r.history_row() for r in records if r.round == number]
            record_run(
                self.settings.history_db,
                f"{self.run_id}#{number}",
                self.run.rounds.get(number, stamp),
                base_url,
                self.run.case_id,
                rows,
            )
        history = load_rows(self.settings.history_db, last_runs=TREND_WINDOW_RUNS)
        self.series = series(history)
        self.trends = trends(self.series)
        self.run.results = [replace(r, trend=self.trends.get((r.id, r.key_fingerprint))) for r in records]
        last_run = f"{self.run_id}#{max((r.round for r in records), default=1)}"
        keys = {r.key_name: r.key_fingerprint for r in records}
        self.run.changes = [
            (f"{name} ({fingerprint}): " if len(keys) > 1 else "") + since_previous(history, last_run, fingerprint)
            for name, fingerprint in keys.items()
        ]

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.run.sessions = list(self.sessions.values())
        try:
            self._store_history()
        except HistoryError as error:
            self.run.results = list(self.records.values())
            self.run.changes = [f"history not stored: {error}"]
        write_summaries(self.run, self.settings.report_dir)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        terminalreporter.write_sep("=", "Binance C2C conformance")
        for line in [self.run.verdict(), *self.run.changes]:
            terminalreporter.write_line(line)
        terminalreporter.write_line(
            f"report: {self.settings.report_dir / HTML_NAME} (and live-summary.json, "
            f"live-summary.md); history: {self.settings.history_db}"
        )

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        names = [HTML_NAME, "live-summary.json", "live-summary.md"]
        paths = [self.settings.report_dir / name for name in names if (self.settings.report_dir / name).exists()]
        for path in [*paths, *keep_timestamped_copies(paths, self.run.started_at)]:
            leaks = guard_file(path, self.secrets)
            if leaks:
                config.issue_config_time_warning(
                    pytest.PytestWarning(f"{path.name} held {', '.join(leaks)}: replaced"), stacklevel=1
                )


class HtmlReportHooks:
    """The collector's pytest-html hooks, registered only when pytest-html is active."""

    def __init__(self, collector: RunCollector) -> None:
        self.collector = collector

    def __repr__(self) -> str:
        return "HtmlReportHooks()"

    def pytest_html_report_title(self, report: Any) -> None:
        case = self.collector.run.case_id
        report.title = f"Binance C2C conformance report{f' (case {case})' if case else ''}"

    def pytest_html_results_summary(self, prefix: list[str], summary: list[str], postfix: list[str]) -> None:
        run = self.collector.run
        prefix += [run_header(run), control_checks(run)]
        postfix += [
            failures_by_side(run),
            key_matrix(run),
            timeline(self.collector.series, self.collector.trends, run),
            endpoint_table(run),
        ]

    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        cells.insert(2, '<th class="sortable" data-column-type="side">Side</th>')
        cells.insert(3, "<th>HTTP / code</th>")

    def pytest_html_results_table_row(self, report: pytest.TestReport, cells: list[str]) -> None:
        record = self.collector.records.get(report.nodeid)
        side = record.side if record else ""
        answer = f"{record.http_status} / {record.code}" if record and record.http_status else ""
        cells.insert(2, f'<td class="col-side">{side}</td>')
        cells.insert(3, f"<td>{answer}</td>")


def configure_reporting(config: pytest.Config, settings: RunSettings) -> None:
    """Register the record maker everywhere, and the collector where the run is reported from."""
    secrets = tuple(secret for key in settings.keys.values() for secret in secret_texts(key))
    fingerprints = {name: key.fingerprint for name, key in settings.keys.items()}
    config.pluginmanager.register(RecordMaker(secrets, fingerprints), "p2p-conformance-records")
    if hasattr(config, "workerinput"):  # a pytest-xdist worker: the controller reports
        return
    try:
        check_history(settings.history_db)
    except HistoryError as error:
        raise pytest.UsageError(str(error)) from None
    collector = RunCollector(config, settings, secrets)
    config.pluginmanager.register(collector, "p2p-conformance-collector")
    if config.pluginmanager.hasplugin("html"):  # absent with -p no:html: the JSON and Markdown remain
        if not config.option.htmlpath:
            config.option.htmlpath = str(Path(settings.report_dir) / HTML_NAME)
            config.option.self_contained_html = True
        config.pluginmanager.register(HtmlReportHooks(collector), "p2p-conformance-html")
