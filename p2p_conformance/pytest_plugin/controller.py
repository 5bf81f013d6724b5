"""The controller's part of reporting: collect every endpoint's record, store the run, write the reports.

It runs in the pytest-xdist controller, or the only process, and is the only place that renders:
:class:`~p2p_conformance.pytest_plugin.worker.WorkerPlugin` sends it plain data from where the
tests run; :class:`ControllerPlugin` writes the history and the report files once, at the end (the support
page among them, rendered from ``live-summary.json``); :class:`HtmlReportHooks` links pytest-html's own
pass/fail page to it and gives that page's table an answer column.
"""

from __future__ import annotations

import shutil
import signal
import threading
import time
import uuid
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest
from _pytest._code.code import TracebackEntry

from p2p_conformance.engine.conclusions import weigh
from p2p_conformance.engine.records import RecordContext, after_what_they_need, emulator_named, record_of_result
from p2p_conformance.engine.verifiable import KeyShown, requests_file
from p2p_conformance.model import EndpointRecord, KeySummary, Outcome, RunRecord, utc_now
from p2p_conformance.pytest_plugin import chat_socket
from p2p_conformance.pytest_plugin.scope import SUITE_MODULE
from p2p_conformance.pytest_plugin.selection import LIVE_MARKER, narrowing_options
from p2p_conformance.pytest_plugin.settings import RunSettings, withdraw_html_page
from p2p_conformance.pytest_plugin.stash import LIVE_RUN, LIVE_SELECTION, NETWORK_METER, LiveSelection
from p2p_conformance.pytest_plugin.terminal_recording import TerminalRecording
from p2p_conformance.pytest_plugin.worker import (
    KEY_PROPERTY,
    NETWORK_OUTPUT,
    RECORD_PROPERTY,
    REQUESTS_OUTPUT,
    ROUND_PROPERTY,
    SELECTION_OUTPUT,
)
from p2p_conformance.report.bundle import BundleLeakError, SentRequests, write_bundle
from p2p_conformance.report.cast import recording_files
from p2p_conformance.report.files import (
    REPORT_NAMES,
    WRITTEN_NAMES,
    guard_file,
    keep_timestamped_copies,
    write_observed,
    write_report_files,
    write_variants,
)
from p2p_conformance.report.history import HistoryError
from p2p_conformance.report.html import HTML_NAME, page_title, pytest_page_link, results_table_cell
from p2p_conformance.report.summary import answered, plural, shown_answer, support_report
from p2p_conformance.report.terminal import network_line, verdict_block
from p2p_conformance.report.trends import Series, remember
from p2p_conformance.report.view import ReportView
from p2p_conformance.safety import RunSecrets
from p2p_conformance.safety.cassettes import promote_recording
from p2p_conformance.safety.text import one_line
from p2p_conformance.safety.writing import FolderHold, SetNotWritten, replace_file, unlink_if_link
from p2p_conformance.status.reading import compare_run


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _has_a_line(entry: TracebackEntry) -> bool:
    return entry._rawentry.tb_lineno is not None  # None where the frame stopped on no line (Python 3.11)


class ControllerPlugin:
    """Collects the records, stores the run in the history, writes the report files."""

    def __init__(self, settings: RunSettings, secrets: RunSecrets, held: FolderHold | None = None) -> None:
        self.settings = settings
        self.secrets = secrets
        self.held = held  # the report folder, this run's alone until it ends
        self.run = RunRecord(
            started_at=utc_now(),
            case_id=settings.case_id,
            recv_window=settings.plan.recv_window,
            rounds_planned=settings.repeat,
            socket_checks=settings.socket.opened,
            verifiable=settings.plan.verifiable is not None,
            emulator=settings.emulator.label if settings.emulator else None,
            focus=settings.focus,
            origin=settings.origin,
        )
        self.run_id = f"{self.run.started_at}-{uuid.uuid4().hex[:8]}"  # overlapping runs may start together
        self.records: dict[str, EndpointRecord] = {}  # by test node id
        self.keys: dict[str, KeySummary] = {}  # by key name
        self.series: Series = {}  # the recent history, per endpoint and key
        self._previous_sigterm: Any = None
        self.closing_notes: list[str] = []  # the recording's outcome, observed variants: after the verdict
        self.started = time.perf_counter()
        self.network: list[tuple[int, float]] = []  # (calls, seconds on the network) of each process that called
        self.sent_requests: list[dict[str, Any]] = []  # --verifiable: pytest-xdist workers' requests as sent
        self.recording: TerminalRecording | None = None  # --bundle: the run's terminal, for run.cast
        self.not_written: str | None = None  # why the report files could not be written (a full disk), if so
        if settings.recording:
            shutil.rmtree(settings.paths.recording_dir, ignore_errors=True)  # a failed recording's leftovers
        for name in WRITTEN_NAMES:  # pytest-html opens its file by name: a planted link is removed first
            unlink_if_link(settings.paths.report_dir / name)
        self.nothing_ran = False
        self.view: ReportView | None = None  # what the outputs show, once the run is weighed and stored
        self.live_tests_ran = False  # a test marked live reported (in this process or a pytest-xdist worker)
        self.live_tests_ended: set[str] = set()  # the live tests that ran to their end (or were skipped)
        self.selection: LiveSelection | None = None  # a pytest-xdist worker's, when the tests ran there

    def __repr__(self) -> str:
        return f"ControllerPlugin({len(self.records)} records)"

    @pytest.hookimpl(tryfirst=True)  # before pytest-html's hooks read the record
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.live_tests_ran = self.live_tests_ran or LIVE_MARKER in report.keywords
        if LIVE_MARKER in report.keywords and (report.when == "call" or report.outcome != "passed"):
            self.live_tests_ended.add(report.nodeid)
        value: Any
        for name, value in report.user_properties:
            if name == RECORD_PROPERTY:
                self.records[report.nodeid] = EndpointRecord.from_dict(value)
            elif name == KEY_PROPERTY:
                self.keys.setdefault(value["name"], KeySummary.from_dict(value))
            elif name == ROUND_PROPERTY:
                number, started, clock = value
                self.run.rounds[number] = min(started, self.run.rounds.get(number, started))
                if clock is not None:
                    self.run.round_clocks.setdefault(number, int(clock))
                if (phase := self.settings.phase_of_round(number)) is not None:
                    self.run.phases[number] = phase

    @pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: absent without it
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        output = getattr(node, "workeroutput", {})
        calls, seconds = output.get(NETWORK_OUTPUT, (0, 0.0))
        if calls:
            self.network.append((int(calls), float(seconds)))
        if SELECTION_OUTPUT in output:
            self.selection = LiveSelection.from_list(output[SELECTION_OUTPUT])
        self.sent_requests += output.get(REQUESTS_OUTPUT, [])

    def _network(self, config: pytest.Config) -> tuple[int, float, str]:
        """The run's requests, how long at least one was on the network, and how they went out."""
        meter = config.stash.get(NETWORK_METER, None)
        if meter is not None:  # this process called
            how = f"up to {self.settings.plan.concurrency} at a time" if self.settings.calls_ahead else "one at a time"
            return meter.calls, meter.seconds, how
        # pytest-xdist workers called, or nothing did
        how = f"summed over {plural(len(self.network), 'pytest-xdist worker')}, one call at a time in each"
        return sum(c for c, _ in self.network), sum(s for _, s in self.network), how

    def network_line(self, config: pytest.Config) -> str:
        """Where the run's time went: its calls and how long at least one was on the network."""
        calls, seconds, how = self._network(config)
        return network_line(
            calls=calls,
            seconds=seconds,
            how=how,
            run_seconds=time.perf_counter() - self.started,
            answered=answered(self.run) or not self.run.ran(),
        )

    @pytest.hookimpl(tryfirst=True)  # before pytest's own header: the recording starts with it
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """A SIGTERM (a cancelled CI job) ends the run like Ctrl-C: the report of what ran is still written. With
        ``--bundle``, the terminal is recorded from here on, for the bundle. With ``--socket``, the run says what
        opening the chat socket may do before any test opens it."""
        if threading.current_thread() is threading.main_thread():
            self._previous_sigterm = signal.signal(signal.SIGTERM, _interrupt)
        if self.settings.bundle:
            self.recording = TerminalRecording(self.secrets)
            self.run.recorded = self.recording.start(session.config)
        if self.settings.socket.opened:
            chat_socket.warn_before_opening(session.config)
        terminal = session.config.pluginmanager.get_plugin("terminalreporter")
        story, interval = self.settings.story_note(), self.settings.interval_note()
        for note in (story, interval):
            if note is not None and terminal is not None:
                terminal.write_line(note, yellow=True)
        if story is not None:  # and after the verdict, where the story's rounds are told
            self.closing_notes.append(story)

    @pytest.hookimpl(tryfirst=True)  # before the terminal reporter draws the interrupted run's traceback
    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        """A SIGTERM is raised wherever the main thread is; on Python 3.11 such a frame can have no line number
        (a context manager's ``__enter__``), on which pytest's traceback crashes and the run ends with exit
        status 1 instead of 2. Those entries are left out of the traceback shown."""
        excinfo.traceback = excinfo.traceback.filter(_has_a_line)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Generator[None, object, object]:
        """Once every test has run (here or in pytest-xdist's workers): with no live test among them, pytest-html
        is told before the session's end that it has no page to write."""
        try:
            return (yield)
        finally:
            if not self.live_tests_ran:
                withdraw_html_page(session.config, self.settings)

    @pytest.hookimpl(tryfirst=True)  # before pytest-html writes its page, which links to the support page
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if not self.live_tests_ran:  # none was selected: nothing to report, nor to store
            self.nothing_ran = True
            return
        most = session.config.option.maxfail  # -x is --maxfail 1; pytest-xdist ends such a run as interrupted
        stopped = None
        if most and session.testsfailed >= most:
            stopped = "-x" if most == 1 else f"--maxfail {most}"
        self.run.interrupted = exitstatus == pytest.ExitCode.INTERRUPTED and stopped is None
        self._judge_untaken(session.config)
        selection = session.config.stash.get(LIVE_SELECTION, None) or self.selection  # in this process, or a worker's
        self.run.partial = self._partial(selection, stopped) if selection is not None else ()
        self.run.last_failed_only = selection is not None and selection.last_failed_only
        self.run.requests_sent = self._network(session.config)[0]
        order = list(self.settings.plan.keys)  # the run's own order, not the order the keys first answered in
        self.run.keys = sorted(self.keys.values(), key=lambda key: order.index(key.name) if key.name in order else 0)
        self.run.results = after_what_they_need(list(self.records.values()), self.settings.plan.catalog.needs)
        if self.run.emulator is None and (scenario := emulator_named(self.run.results)) is not None:
            self.run.emulator = f"{scenario}, at {self.run.base_url or self.settings.base_url} (--binance-url)"
        if self.settings.compare_with:
            self._compare(session.config)
        self.run = weigh(self.run)  # every failure's side, from the run's evidence
        try:
            remembered = remember(
                self.settings.paths.history_db, self.run, self.run_id, self.run.base_url or str(self.settings.base_url)
            )
        except HistoryError as error:
            self.run.changes = [f"history not stored: {error}"]
        else:
            self.run, self.series = remembered.run, remembered.series
        self.view = ReportView.of(support_report(self.run, self.series))  # the JSON and the terminal: computed once
        try:
            write_report_files(self.view, self.settings.paths.report_dir)
        except SetNotWritten as error:  # a full disk: the verdict is still said, the old files kept as a set
            self.not_written = str(error)
        variants = write_variants(self.run.results, self.settings.paths.observed_dir)
        if variants:
            self.closing_notes.append(
                f"Request shapes Binance accepted where the contract's was refused (--probe): "
                f"{', '.join(str(path) for path in variants)}; send them back as a contract update."
            )
        if self.settings.recording:
            self.closing_notes.append(self._finish_recording(session))

    def _compare(self, config: pytest.Config) -> None:
        """``--compare-with``: the feeds read once the run's own calls are done (nothing of the run is sent), each
        that cannot be read said in one line; what they say stands beside the run's answers, never as its evidence."""
        found = compare_run(
            self.run, self.settings.compare_with, config.invocation_params.dir, self.settings.paths.report_dir
        )
        self.closing_notes += found.notes
        self.run.compared_with, self.run.others = found.read, found.others

    def _recording_files(self) -> list[Path]:
        """``--bundle``: the run's terminal as ``run.cast`` and its player page ``run.html``, beside the report
        files, each checked for secrets as they are."""
        if self.recording is None or not self.run.recorded:
            return []
        title = page_title(self.run).replace("report", "run", 1)
        made = recording_files(self.recording.pieces, self.recording.width, self.recording.started, title)
        paths = []
        for name, text in made.items():
            path = self.settings.paths.report_dir / name
            replace_file(path, text)  # a link planted at the name is replaced, never written through
            guard_file(path, self.secrets)
            paths.append(path)
        return paths

    def _sent(self, config: pytest.Config) -> SentRequests:
        """``--verifiable``: every request of the run as it went out (this process's and the workers')."""
        live_run = config.stash.get(LIVE_RUN, None)
        own = live_run.ledger.lines() if live_run is not None and live_run.ledger is not None else []
        shown = self.settings.plan.verifiable is KeyShown.FULL  # the merchant asked for the key in full
        api_keys = tuple(key.api_key for key in self.settings.plan.keys.values()) if shown else ()
        return SentRequests(requests_file([*own, *self.sent_requests]), allowed=api_keys)

    def _judge_untaken(self, config: pytest.Config) -> None:
        """Every call sent is judged: those sent ahead whose tests never ran (``-x``, ``--maxfail``, an interrupt)
        get their records here, as their tests would have made them."""
        live_run = config.stash.get(LIVE_RUN, None)
        if live_run is None:  # none in this process: pytest-xdist workers send each call inside its test
            return
        for untaken in live_run.untaken():
            key, result = untaken.key.summary, untaken.result
            context = RecordContext(untaken.key_name, key.fingerprint, untaken.round)
            self.records[f"sent, its test not run: {untaken.key_name} {untaken.round} {result.contract.id}"] = (
                record_of_result(result, context)
            )
            self.keys.setdefault(untaken.key_name, key)
            self.run.rounds.setdefault(untaken.round, untaken.round_started)
            if (clock := live_run.round_clock.get(untaken.round)) is not None:
                self.run.round_clocks.setdefault(untaken.round, clock)
            if (phase := self.settings.phase_of_round(untaken.round)) is not None:
                self.run.phases[untaken.round] = phase

    def _partial(self, selection: LiveSelection, stopped: str | None) -> tuple[str, ...]:
        """Why this run saw only part of a whole run, in words (``stopped``: the option that stopped it at a
        failure; an interrupted run says so on its own)."""
        reasons = []
        if selection.selected < selection.whole:
            how = ", ".join(selection.narrowed_by) or "the selection"
            reasons.append(f"{how} selected {selection.selected} of the {selection.whole} live tests of a whole run")
        ended = len(self.live_tests_ended)
        if ended < selection.selected and not self.run.interrupted:
            reasons.append(
                f"{stopped or 'pytest'} stopped it after {ended} of the {selection.selected} selected live tests"
            )
        return tuple(reasons)

    def _finish_recording(self, session: pytest.Session) -> str:
        """Move the recorded cassettes in only when every recording test passed; otherwise keep the old ones."""
        paths = self.settings.paths
        staging, cassettes = paths.recording_dir, paths.cassette_dir
        if session.testsfailed or not staging.is_dir():
            return (
                f"Cassettes left as they were in {cassettes}: {session.testsfailed} test(s) failed, so the recording "
                f"was not used (it is in {staging})."
            )
        moved = promote_recording(staging, cassettes)
        shapes = write_observed(self.run.results, paths.observed_dir)
        observed = f"; the shapes of {len(shapes)} drifting answer(s) into {paths.observed_dir}" if shapes else ""
        return f"Recorded {len(moved)} cassette(s) into {cassettes}{observed}."

    def _bundle(self, config: pytest.Config, report_files: list[Path]) -> str:
        try:
            path = write_bundle(
                self.run,
                report_files,
                self.secrets,
                self.settings.paths.history_db,
                sent=self._sent(config) if self.settings.plan.verifiable is not None else None,
            )
        except BundleLeakError as error:
            return str(error)
        return (
            f"Bundle for the ticket: {path} (the report files, the history page, the run's terminal to play, "
            f"failing calls' cassettes, {'every request as sent, ' if self.run.verifiable else ''}a README and "
            "SHA256SUMS)"
        )

    @pytest.hookimpl(trylast=True)
    def pytest_unconfigure(self, config: pytest.Config) -> None:
        """Check every report file once more, as written, keep a timestamped copy of each as checked,
        then end the terminal output with the verdict; the report folder is released last."""
        try:
            self._finish(config)
        finally:
            if self.held is not None:
                self.held.release()

    def _finish(self, config: pytest.Config) -> None:
        terminal = config.pluginmanager.get_plugin("terminalreporter")
        if self._previous_sigterm is not None:
            signal.signal(signal.SIGTERM, self._previous_sigterm)
        if self.nothing_ran:  # the support files stay as they were (pytest-html's page says no test ran)
            if terminal is not None:
                terminal.write_sep("=", "Binance C2C conformance")
                terminal.write_line(self._nothing_ran_line(config))
            return
        paths = [self.settings.paths.report_dir / name for name in WRITTEN_NAMES]
        written = [path for path in paths if path.exists()]
        for path in written:  # pytest-html's page too: the reports are the owner's alone, as the suite writes them
            path.chmod(0o600)
        replaced = [
            f"  Replaced before leaving it on disk: {path.name} held {', '.join(leaks)}."
            for path in written
            if (leaks := guard_file(path, self.secrets))
        ]
        if self.not_written is None:  # else the files there are an earlier run's: no copy, no bundle of them
            keep_timestamped_copies(written, self.run.started_at)
        else:
            replaced.append(f"  {self.not_written}.")
        if terminal is not None:
            terminal.write_sep("=", "Binance C2C conformance")
            block = verdict_block(
                self.view or ReportView.of(support_report(self.run, self.series)),
                report_dir=self.settings.paths.report_dir,
                history_db=self.settings.paths.history_db,
                notes=self.closing_notes,
            )
            for line in [*block, *replaced, self.network_line(config)]:
                terminal.write_line(one_line(line))  # server text in it: no control reaches the terminal
        if self.settings.bundle and self.not_written is None and [p for p in written if p.name in REPORT_NAMES]:
            # after the verdict: the recording holds the whole terminal, the bundle's own line apart
            bundled = self._bundle(config, [*written, *self._recording_files()])
            if terminal is not None:
                terminal.write_line(one_line(f"  {bundled}"))

    def _nothing_ran_line(self, config: pytest.Config) -> str:
        narrowed = narrowing_options(config)
        if config.option.collectonly:
            return "Tests collected only (--collect-only): nothing was sent and no report was written."
        if narrowed:
            return (
                f"No live test ran: {' and '.join(narrowed)} matched none of the live tests, so nothing was sent and "
                "no report was written (the last run's stay as they were). A test's name is "
                "test_live[<endpoint id>], e.g. -k ads/getAds; pytest --co -q -m live --emulator lists them all."
            )
        return (
            "No live test ran (none was selected), so nothing was sent and no report was written (the live tests: "
            f"pytest --pyargs {SUITE_MODULE} -m live, from any folder)."
        )


class HtmlReportHooks:
    """The controller's pytest-html hooks, registered only when pytest-html is active.

    pytest-html writes its own pass/fail page (``pytest-report.html``), untouched but for a link to the support
    page at its top; its per-test table keeps one line per endpoint and key of the last round, with the answer,
    and leaves out the endpoints not run live, which the support page lists.
    """

    def __init__(self, controller: ControllerPlugin) -> None:
        self.controller = controller

    def __repr__(self) -> str:
        return "HtmlReportHooks()"

    def pytest_html_report_title(self, report: Any) -> None:
        report.title = f"{page_title(self.controller.run)}: every test"

    def pytest_html_results_summary(self, prefix: list[str], summary: list[str], postfix: list[str]) -> None:
        prefix.append(pytest_page_link(HTML_NAME))

    def pytest_html_results_table_html(self, report: pytest.TestReport, data: list[str]) -> None:
        """An endpoint's log is on the support page (answer, reasoning, body, curl): no second copy here."""
        if report.nodeid in self.controller.records:
            data.clear()

    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        cells.insert(2, results_table_cell("Answer", header=True))

    def pytest_html_results_table_row(self, report: pytest.TestReport, cells: list[str]) -> None:
        record = self.controller.records.get(report.nodeid)
        last_round = self.controller.settings.repeat
        if record is not None and (record.outcome == Outcome.SKIPPED or record.round < last_round):
            cells.clear()  # pytest-html's documented way to leave a row out
            return
        shown = "" if record is None else shown_answer(record.outcome, record.answer.text)
        cells.insert(2, results_table_cell(shown))
