"""Each live endpoint test's record, made where the test runs (a pytest-xdist worker, or the
only process) and attached to its test report as plain data for :mod:`reporting` to collect.

It also keeps secrets out of pytest's own output: failure tracebacks (``--showlocals``
included) and captured output are redacted in every test report before pytest, or pytest-html,
prints or embeds them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pytest
from pytest_html import extras

from contracts import Contract
from p2p_conformance.diagnosis import Diagnosis
from p2p_conformance.live import LiveResult
from p2p_conformance.records import EndpointRecord, KeySession
from p2p_conformance.redaction import RedactingFilter, redact_text
from p2p_conformance.report_html import endpoint_details
from p2p_conformance.selection import LIVE_MARKER, item_params

RECORD_PROPERTY = "p2p_conformance_record"
SESSION_PROPERTY = "p2p_conformance_session"
ROUND_PROPERTY = "p2p_conformance_round"


@dataclass(frozen=True)
class LiveCall:
    """What a live test leaves for the report: its result (None before the call) and its context."""

    result: LiveResult | None
    session: KeySession
    round: int
    round_started: str


LIVE_CALL = pytest.StashKey[LiveCall]()
SETUP_PROBLEM = pytest.StashKey[str]()


class RecordMaker:
    """Makes each endpoint test's record and redacts secrets from every test report."""

    def __init__(self, secrets: tuple[str, ...], fingerprints: dict[str, str]) -> None:
        self.secrets = secrets
        self.fingerprints = fingerprints  # by key name

    def __repr__(self) -> str:
        return "RecordMaker()"

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """Redact what pytest's own log handlers show, print live (log_cli) or embed in reports."""
        logging_plugin = session.config.pluginmanager.get_plugin("logging-plugin")
        for name in ("log_cli_handler", "caplog_handler", "report_handler", "log_file_handler"):
            handler = getattr(logging_plugin, name, None)
            if handler is not None:
                handler.addFilter(RedactingFilter(self.secrets))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        outcome = yield
        report: pytest.TestReport = outcome.get_result()
        self._redact(report)
        contract = item_params(item).get("contract")
        if contract is None or not item.get_closest_marker(LIVE_MARKER):
            return
        record = self._record(item, report, call, contract)
        if record is None:
            return
        live = item.stash.get(LIVE_CALL, None)
        properties: list[tuple[str, Any]] = [(RECORD_PROPERTY, asdict(record))]
        if live is not None:
            properties += [(SESSION_PROPERTY, asdict(live.session)), (ROUND_PROPERTY, [live.round, live.round_started])]
        report.user_properties = [*report.user_properties, *properties]
        report.extras = [*getattr(report, "extras", []), extras.html(endpoint_details(record))]  # type: ignore[attr-defined]

    def _record(
        self, item: pytest.Item, report: pytest.TestReport, call: pytest.CallInfo[None], contract: Contract
    ) -> EndpointRecord | None:
        live = item.stash.get(LIVE_CALL, None)
        params = item_params(item)
        key_name = params.get("key_name", next(iter(self.fingerprints)))
        run = {
            "key_name": key_name,
            "key_fingerprint": self.fingerprints[key_name],
            "round": params.get("round_number", 1),
        }
        if report.when == "call" and live is not None and live.result is not None:
            return EndpointRecord.from_result(live.result, **run)
        if report.skipped and not contract.read_only:
            found = Diagnosis(
                "none",
                f"Not run live: mutating, {contract.mutating}.",
                "Contract-tested offline only (request shape and replay).",
            )
            return EndpointRecord.not_run(contract, "skipped", found, **run)
        if report.failed and report.when in ("setup", "call"):
            problem = item.stash.get(SETUP_PROBLEM, None)
            if problem is not None:
                found = Diagnosis("network", problem, "Check --binance-url and the network path.")
            else:
                error = redact_text(call.excinfo.exconly() if call.excinfo else "an error", self.secrets)
                found = Diagnosis(
                    "client",
                    f"The test stopped before an answer was judged: {error}.",
                    "Fix the error shown in the test's log and run again.",
                )
            return EndpointRecord.not_run(contract, "error", found, **run)
        return None

    def _redact(self, report: pytest.TestReport) -> None:
        if report.longrepr is not None:
            text = str(report.longrepr)
            redacted = redact_text(text, self.secrets)
            if redacted != text:
                report.longrepr = redacted
        report.sections = [(title, redact_text(content, self.secrets)) for title, content in report.sections]
