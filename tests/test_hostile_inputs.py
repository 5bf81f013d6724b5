"""Inputs a careless or hostile user (or whoever shares the machine) gives: planted links, names that break
files or pages, crafted histories, a run from the wrong folder. Each gets a clear line or a safe file, never a
traceback or a write where it should not go."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from p2p_conformance.report.files import REPORT_NAMES
from p2p_conformance.safety import writing
from p2p_conformance.safety.writing import FolderHold

if TYPE_CHECKING:
    from conftest import EndpointSuite

SOME = ("-k", "test_live and ads/getAds")


def test_a_link_planted_at_a_report_name_is_replaced_never_written_through(
    endpoint_suite: EndpointSuite, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    endpoint_suite.reports.mkdir(parents=True)
    for name in REPORT_NAMES:
        (outside / name).write_text("precious")
        (endpoint_suite.reports / name).symlink_to(outside / name)
    endpoint_suite.run("-m", "live", "--emulator", *SOME, "--bundle")
    assert {path.read_text() for path in outside.iterdir()} == {"precious"}
    for name in REPORT_NAMES:
        written = endpoint_suite.reports / name
        assert not written.is_symlink() and written.stat().st_size > 100, name
    assert len(list(endpoint_suite.reports.glob("*.zip"))) == 1


@pytest.mark.parametrize("planted", ["history.sqlite3", "history.sqlite3-wal", "history.sqlite3-shm"])
def test_a_link_planted_at_the_history_or_its_side_files_is_refused_before_anything_is_sent(
    endpoint_suite: EndpointSuite, tmp_path: Path, planted: str
) -> None:
    """Issue 37: a link at reports/history.sqlite3 (or at SQLite's -wal and -shm beside it) pointing out of the
    project was written through. The run stops in one line before anything is sent; the target is untouched."""
    outside = tmp_path / "elsewhere"
    outside.write_bytes(b"not yours")
    endpoint_suite.reports.mkdir(parents=True, exist_ok=True)
    (endpoint_suite.reports / planted).symlink_to(outside)
    result = endpoint_suite.run("-m", "live", "--emulator", "-k", "test_live and ads/getAds")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    lines = [line for line in result.stderr.lines if line.strip()]
    assert len(lines) == 1 and f"{endpoint_suite.reports / planted} is a link" in lines[0], lines
    assert outside.read_bytes() == b"not yours"


def test_a_second_live_run_into_a_report_folder_in_use_stops_in_one_line(endpoint_suite: EndpointSuite) -> None:
    """Issue 37: two --bundle runs into one folder swapped files (a case's bundle held the other case's report).
    While a run holds the folder, a second one stops before anything is sent; once it ends, the folder is free."""
    endpoint_suite.reports.mkdir(parents=True, exist_ok=True)
    other_run = FolderHold(endpoint_suite.reports)  # what a run holds from its start to its end
    try:
        refused = endpoint_suite.run("-m", "live", "--emulator", *SOME, "--bundle", "--case-id", "222")
    finally:
        other_run.release()
    assert refused.ret == pytest.ExitCode.USAGE_ERROR
    lines = [line for line in refused.stderr.lines if line.strip()]
    assert lines == [f"ERROR: {endpoint_suite.reports}: another run is writing its reports there now: wait for it to "
                     "end, or give --report-dir"]  # fmt: skip
    assert not list(endpoint_suite.reports.glob("case-222-*.zip"))
    again = endpoint_suite.run("-m", "live", "--emulator", *SOME, "--bundle", "--case-id", "222")
    assert again.ret == pytest.ExitCode.OK and list(endpoint_suite.reports.glob("case-222-*.zip"))


def test_a_full_disk_keeps_the_old_report_files_as_a_set_and_still_says_the_verdict(
    endpoint_suite: EndpointSuite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 37: a full disk gave a 33-frame traceback, no verdict, and the new page beside the old JSON. The
    verdict is said, the files already there stay as they were (all of them), and one line says what happened."""
    endpoint_suite.run("-m", "live", "--emulator", *SOME)
    before = {name: (endpoint_suite.reports / name).read_bytes() for name in REPORT_NAMES}
    real = writing._temporary_beside

    def disk_full(path: Path, data: bytes) -> str:
        if path.name == "live-report.html":  # the third of the set: the first two were written already
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(path, data)

    monkeypatch.setattr(writing, "_temporary_beside", disk_full)
    result = endpoint_suite.run("-m", "live", "--emulator", *SOME)
    output = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in output and "INTERNALERROR" not in output
    result.stdout.fnmatch_lines(["*of * read-only endpoints work*"])  # the verdict, said all the same
    result.stdout.fnmatch_lines(["*the report files could not be written (No space left on device); the files already "
                                 "there were kept, as a set*"])  # fmt: skip
    assert {name: (endpoint_suite.reports / name).read_bytes() for name in REPORT_NAMES} == before
    assert not list(endpoint_suite.reports.glob(".*.tmp"))  # nothing half-written left behind
