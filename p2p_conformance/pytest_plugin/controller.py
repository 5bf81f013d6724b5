"""The controller's part of reporting: collect every endpoint's record, store the run, write the reports.

It runs in the pytest-xdist controller, or the only process, and is the only place that renders:
:class:`~p2p_conformance.pytest_plugin.worker.WorkerPlugin` sends it plain data from where the
tests run; :class:`ControllerPlugin` writes the history and the report files once, at the end;
:class:`HtmlReportHooks` adds the support report's sections to pytest-html's page.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from html import escape
from typing import Any

import pytest
from pytest_html import extras

from p2p_conformance.model import EndpointRecord, KeySummary, RunRecord, Trend, utc_now
from p2p_conformance.pytest_plugin.settings import RunSettings
from p2p_conformance.pytest_plugin.worker import KEY_PROPERTY, RECORD_PROPERTY, ROUND_PROPERTY
from p2p_conformance.report.files import (
    HTML_NAME,
    REPORT_NAMES,
    guard_file,
    keep_timestamped_copies,
    write_summaries,
)
from p2p_conformance.report.history import HistoryError, load_rows, store_run
from p2p_conformance.report.html import (
    control_checks,
    endpoint_details,
    endpoint_table,
    failures_by_side,
    key_matrix,
    run_header,
    timeline,
)
from p2p_conformance.report.summary import verdict
from p2p_conformance.report.trends import Series, series, since_previous, trends

TREND_WINDOW_RUNS = 50


class ControllerPlugin:
    """Collects the records, stores the run in the history, writes the report files."""

    def __init__(self, settings: RunSettings, secrets: tuple[str, ...]) -> None:
        self.settings = settings
        self.secrets = secrets
        self.run = RunRecord(utc_now(), settings.case_id)
        self.run_id = f"{self.run.started_at}-{uuid.uuid4().hex[:8]}"  # overlapping runs may start together
        self.records: dict[str, EndpointRecord] = {}  # by test node id
        self.keys: dict[str, KeySummary] = {}  # by key name
        self.series: Series = {}  # the recent history, per endpoint and key
        self.trends: dict[tuple[str, str], Trend] = {}

    def __repr__(self) -> str:
        return f"ControllerPlugin({len(self.records)} records)"

    @pytest.hookimpl(tryfirst=True)  # before pytest-html's hooks read the record
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        value: Any
        for name, value in report.user_properties:
            if name == RECORD_PROPERTY:
                self.records[report.nodeid] = EndpointRecord.from_dict(value)
            elif name == KEY_PROPERTY:
                self.keys.setdefault(value["name"], KeySummary.from_dict(value))
            elif name == ROUND_PROPERTY:
                number, started = value
                self.run.rounds[number] = min(started, self.run.rounds.get(number, started))

    def _store_history(self) -> None:
        """Store each round as a run, then give every record its trend and the run its changes."""
        records, stamp = list(self.records.values()), self.run.started_at
        base_url = next(iter(self.keys.values())).base_url if self.keys else str(self.settings.base_url)
        for number in sorted({r.round for r in records}):
            store_run(
                self.settings.history_db,
                f"{self.run_id}#{number}",
                self.run.rounds.get(number, stamp),
                base_url,
                self.run.case_id,
                [r for r in records if r.round == number],
            )
        history = load_rows(self.settings.history_db, last_runs=TREND_WINDOW_RUNS)
        self.series = series(history)
        self.trends = trends(self.series)
        self.run.results = [replace(r, trend=self.trends.get((r.id, r.key_fingerprint))) for r in records]
        last_run = f"{self.run_id}#{max((r.round for r in records), default=1)}"
        fingerprints = {r.key_name: r.key_fingerprint for r in records}
        self.run.changes = [
            (f"{name} ({fingerprint}): " if len(fingerprints) > 1 else "")
            + since_previous(history, last_run, fingerprint)
            for name, fingerprint in fingerprints.items()
        ]

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.run.keys = list(self.keys.values())
        try:
            self._store_history()
        except HistoryError as error:
            self.run.results = list(self.records.values())
            self.run.changes = [f"history not stored: {error}"]
        write_summaries(self.run, self.settings.report_dir)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        terminalreporter.write_sep("=", "Binance C2C conformance")
        for line in [verdict(self.run), *self.run.changes]:
            terminalreporter.write_line(line)
        terminalreporter.write_line(
            f"report: {self.settings.report_dir / HTML_NAME} (and live-summary.json, "
            f"live-summary.md); history: {self.settings.history_db}"
        )

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        """Check every report file once more, as written: anything secret left in one is replaced."""
        paths = [self.settings.report_dir / name for name in REPORT_NAMES]
        written = [path for path in paths if path.exists()]
        for path in [*written, *keep_timestamped_copies(written, self.run.started_at)]:
            leaks = guard_file(path, self.secrets)
            if leaks:
                config.issue_config_time_warning(
                    pytest.PytestWarning(f"{path.name} held {', '.join(leaks)}: replaced"), stacklevel=1
                )


class HtmlReportHooks:
    """The controller's pytest-html hooks, registered only when pytest-html is active."""

    def __init__(self, controller: ControllerPlugin) -> None:
        self.controller = controller

    def __repr__(self) -> str:
        return "HtmlReportHooks()"

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Each endpoint's details under its row (pytest-html reads ``extras`` after this hook)."""
        if any(name == RECORD_PROPERTY for name, _ in report.user_properties):
            details = extras.html(endpoint_details(self.controller.records[report.nodeid]))
            report.extras = [*getattr(report, "extras", []), details]  # type: ignore[attr-defined]

    def pytest_html_report_title(self, report: Any) -> None:
        case = self.controller.run.case_id
        report.title = f"Binance C2C conformance report{f' (case {case})' if case else ''}"

    def pytest_html_results_summary(self, prefix: list[str], summary: list[str], postfix: list[str]) -> None:
        run = self.controller.run
        prefix += [run_header(run), control_checks(run)]
        postfix += [
            failures_by_side(run),
            key_matrix(run),
            timeline(self.controller.series, self.controller.trends, run),
            endpoint_table(run),
        ]

    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        cells.insert(2, '<th class="sortable" data-column-type="side">Side</th>')
        cells.insert(3, "<th>HTTP / code</th>")

    def pytest_html_results_table_row(self, report: pytest.TestReport, cells: list[str]) -> None:
        record = self.controller.records.get(report.nodeid)
        side = record.side if record else ""
        answer = f"{record.http_status} / {record.code}" if record and record.http_status else ""
        cells.insert(2, f'<td class="col-side">{escape(side)}</td>')
        cells.insert(3, f"<td>{escape(answer)}</td>")
