"""The worker's part of reporting: each live endpoint test's record, made where the test runs (a
pytest-xdist worker, or the only process) and attached to its test report as plain data for
:mod:`.controller` to collect. It renders nothing.

It also keeps secrets out of pytest's own output: failure tracebacks (``--showlocals``
included) and captured output are redacted in every test report before pytest, or pytest-html,
prints or embeds them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from p2p_conformance.contracts import Contract
from p2p_conformance.engine.records import RecordContext, endpoint_record, record_of_result
from p2p_conformance.model import EndpointRecord, Outcome, Stop
from p2p_conformance.pytest_plugin.selection import LIVE_MARKER, item_params, tested_contract
from p2p_conformance.pytest_plugin.stash import LIVE_CALL, LIVE_RUN, LIVE_SELECTION, NETWORK_METER, SETUP_PROBLEM
from p2p_conformance.safety import RunSecrets
from p2p_conformance.safety.redaction import RedactingFilter, redact_text

RECORD_PROPERTY = "p2p_conformance_record"
KEY_PROPERTY = "p2p_conformance_key"
ROUND_PROPERTY = "p2p_conformance_round"
NETWORK_OUTPUT = "p2p_conformance_network"  # a pytest-xdist worker's [calls, seconds on the network]
SELECTION_OUTPUT = "p2p_conformance_selection"  # a pytest-xdist worker's LiveSelection, as a list
REQUESTS_OUTPUT = "p2p_conformance_requests"  # --verifiable: a pytest-xdist worker's requests as sent


class WorkerPlugin:
    """Makes each endpoint test's record and redacts secrets from every test report."""

    def __init__(self, secrets: RunSecrets, fingerprints: Mapping[str, str]) -> None:
        self.secrets = secrets
        self.fingerprints = fingerprints  # by key name

    def __repr__(self) -> str:
        return "WorkerPlugin()"

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """Redact what pytest's own log handlers show, print live (log_cli) or embed in reports."""
        logging_plugin = session.config.pluginmanager.get_plugin("logging-plugin")
        for name in ("log_cli_handler", "caplog_handler", "report_handler", "log_file_handler"):
            handler = getattr(logging_plugin, name, None)
            if handler is not None:
                handler.addFilter(RedactingFilter(self.secrets))

    @pytest.hookimpl(trylast=True)  # after the session's fixtures are torn down: every call has ended
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """A pytest-xdist worker tells the controller how many calls it sent and how long they took, how many
        of a whole run's live tests the run selected (every worker collects the same) and, with ``--verifiable``,
        its requests as sent."""
        meter = session.config.stash.get(NETWORK_METER, None)
        output = getattr(session.config, "workeroutput", None)
        if output is None:
            return
        if meter is not None:
            output[NETWORK_OUTPUT] = [meter.calls, meter.seconds]
        if (selection := session.config.stash.get(LIVE_SELECTION, None)) is not None:
            output[SELECTION_OUTPUT] = selection.to_list()
        if (live_run := session.config.stash.get(LIVE_RUN, None)) is not None and live_run.ledger is not None:
            output[REQUESTS_OUTPUT] = live_run.ledger.lines()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        outcome = yield
        report: pytest.TestReport = outcome.get_result()
        self._redact(report)
        contract = tested_contract(item_params(item))
        if contract is None or not item.get_closest_marker(LIVE_MARKER):
            return
        record = self._record(item, report, call, contract)
        if record is None:
            return
        properties: list[tuple[str, Any]] = [(RECORD_PROPERTY, record.to_dict())]
        live = item.stash.get(LIVE_CALL, None)
        if live is not None:
            properties += [
                (KEY_PROPERTY, live.key.to_dict()),
                (ROUND_PROPERTY, [live.round, live.round_started, live.round_clock_ms]),
            ]
        report.user_properties = [*report.user_properties, *properties]

    def _record(
        self, item: pytest.Item, report: pytest.TestReport, call: pytest.CallInfo[None], contract: Contract
    ) -> EndpointRecord | None:
        live = item.stash.get(LIVE_CALL, None)
        params = item_params(item)
        key_name = params.get("key_name", next(iter(self.fingerprints)))
        context = RecordContext(key_name, self.fingerprints[key_name], params.get("round_number", 1))
        if report.when == "call" and live is not None and live.result is not None:
            return record_of_result(live.result, context)
        if report.skipped and not contract.read_only:
            return endpoint_record(contract, context, outcome=Outcome.SKIPPED)
        if report.failed and report.when in ("setup", "call"):
            problem = item.stash.get(SETUP_PROBLEM, None)
            if problem is not None:
                return endpoint_record(contract, context, outcome=Outcome.ERROR, problem=problem, stop=Stop.UNREACHABLE)
            error = redact_text(call.excinfo.exconly() if call.excinfo else "an error", self.secrets)
            return endpoint_record(contract, context, outcome=Outcome.ERROR, problem=error, stop=Stop.TEST_ERROR)
        return None

    def _redact(self, report: pytest.TestReport) -> None:
        if report.longrepr is not None:
            text = str(report.longrepr)
            redacted = redact_text(text, self.secrets)
            if redacted != text:
                report.longrepr = redacted
        report.sections = [(title, redact_text(content, self.secrets)) for title, content in report.sections]
