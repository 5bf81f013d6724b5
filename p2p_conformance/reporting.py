"""The live run's reporter: collects every endpoint's record and writes the support report.

Registered only for live runs. It also keeps secrets out of pytest's own output: failure
tracebacks (``--showlocals`` included) and captured output are redacted in every test report
before pytest, or pytest-html, prints or embeds them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pytest_html import extras

from contracts import Contract
from p2p_conformance.controls import ControlCheck
from p2p_conformance.diagnosis import Diagnosis
from p2p_conformance.live import LiveResult
from p2p_conformance.records import EndpointRecord, RunRecord
from p2p_conformance.redaction import redact_text
from p2p_conformance.report_files import (
    HTML_NAME,
    guard_file,
    keep_timestamped_copies,
    write_summaries,
)
from p2p_conformance.report_html import control_checks, endpoint_details, endpoint_table, failures_by_side, run_header
from signer import Key
from signer.keys import secret_texts

LIVE_RESULT = pytest.StashKey[LiveResult]()
REPORTER = pytest.StashKey["LiveReporter"]()


class LiveReporter:
    """Hooks of a live run: one record per endpoint test, then the report files at the end."""

    def __init__(self, config: pytest.Config, key: Key, base_url: str | None, report_dir: Path) -> None:
        self.config = config
        self.report_dir = report_dir
        self.secrets = secret_texts(key)
        started = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        self.run = RunRecord(
            started, base_url or "(local emulator)", key.fingerprint, key.key_type, config.option.case_id
        )
        self.records: dict[str, EndpointRecord] = {}
        self.setup_problem: Diagnosis | None = None

    def __repr__(self) -> str:
        return f"LiveReporter({self.run.base_url}, {len(self.records)} records)"

    def session_started(self, base_url: str, offset_ms: int, controls: list[ControlCheck]) -> None:
        self.run.base_url, self.run.clock_offset_ms, self.run.controls = base_url, offset_ms, controls

    def _record(
        self, item: pytest.Item, report: pytest.TestReport, call: pytest.CallInfo[None], contract: Contract
    ) -> EndpointRecord | None:
        if report.when == "call" and LIVE_RESULT in item.stash:
            return EndpointRecord.from_result(item.stash[LIVE_RESULT])
        if report.skipped and not contract.read_only:
            found = Diagnosis(
                "none",
                f"Not run live: mutating, {contract.mutating}.",
                "Contract-tested offline only (request shape and replay).",
            )
            return EndpointRecord.not_run(contract, "skipped", found)
        if report.failed and report.when in ("setup", "call"):
            error = redact_text(call.excinfo.exconly() if call.excinfo else "an error", self.secrets)
            found = self.setup_problem or Diagnosis(
                "client",
                f"The test stopped before an answer was judged: {error}.",
                "Fix the error shown in the test's log and run again.",
            )
            return EndpointRecord.not_run(contract, "error", found)
        return None

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        outcome = yield
        report: pytest.TestReport = outcome.get_result()
        self._redact(report)
        callspec = getattr(item, "callspec", None)
        contract = callspec.params.get("contract") if callspec else None
        if contract is None:
            return
        record = self._record(item, report, call, contract)
        if record is not None:
            self.records[item.nodeid] = record
            details = extras.html(endpoint_details(record))
            report.extras = [*getattr(report, "extras", []), details]  # type: ignore[attr-defined]

    def _redact(self, report: pytest.TestReport) -> None:
        if report.longrepr is not None:
            text = str(report.longrepr)
            redacted = redact_text(text, self.secrets)
            if redacted != text:
                report.longrepr = redacted
        report.sections = [(title, redact_text(content, self.secrets)) for title, content in report.sections]

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.run.results = list(self.records.values())
        write_summaries(self.run, self.report_dir)

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        names = [HTML_NAME, "live-summary.json", "live-summary.md"]
        paths = [self.report_dir / name for name in names if (self.report_dir / name).exists()]
        for path in [*paths, *keep_timestamped_copies(paths, self.run.started_at)]:
            leaks = guard_file(path, self.secrets)
            if leaks:
                config.issue_config_time_warning(
                    pytest.PytestWarning(f"{path.name} held {', '.join(leaks)}: replaced"), stacklevel=1
                )


class HtmlReportHooks:
    """The reporter's pytest-html hooks, registered only when pytest-html is active."""

    def __init__(self, reporter: LiveReporter) -> None:
        self.reporter = reporter
        self.run = reporter.run
        self.records = reporter.records

    def __repr__(self) -> str:
        return "HtmlReportHooks()"

    def pytest_html_report_title(self, report: Any) -> None:
        case = f" (case {self.run.case_id})" if self.run.case_id else ""
        report.title = f"Binance C2C conformance report{case}"

    def pytest_html_results_summary(self, prefix: list[str], summary: list[str], postfix: list[str]) -> None:
        self.run.results = list(self.records.values())
        prefix += [run_header(self.run), control_checks(self.run)]
        postfix += [failures_by_side(self.run), endpoint_table(self.run)]

    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        cells.insert(2, '<th class="sortable" data-column-type="side">Side</th>')
        cells.insert(3, "<th>HTTP / code</th>")

    def pytest_html_results_table_row(self, report: pytest.TestReport, cells: list[str]) -> None:
        record = self.records.get(report.nodeid)
        side = record.side if record else ""
        answer = f"{record.http_status} / {record.code}" if record and record.http_status else ""
        cells.insert(2, f'<td class="col-side">{side}</td>')
        cells.insert(3, f"<td>{answer}</td>")


def configure_reporting(config: pytest.Config, key: Key, base_url: str | None, report_dir: Path) -> LiveReporter:
    """Register the reporter and point pytest-html at ``reports/live-report.html``, self-contained."""
    if not config.option.htmlpath:
        config.option.htmlpath = str(report_dir / HTML_NAME)
        config.option.self_contained_html = True
    reporter = LiveReporter(config, key, base_url, report_dir)
    config.stash[REPORTER] = reporter
    config.pluginmanager.register(reporter, "p2p-conformance-reporter")
    if config.pluginmanager.hasplugin("html"):
        config.pluginmanager.register(HtmlReportHooks(reporter), "p2p-conformance-html")
    return reporter
