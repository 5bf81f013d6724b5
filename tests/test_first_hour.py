"""A merchant's first hour (issue 38): each mistake a newcomer makes, run as written, gets one line that names it,
or just works. Run from the checkout where the mistake is made there; nothing is written into it."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from canary import Canary

from p2p_conformance.contracts.model import EMULATOR_HEADER
from p2p_conformance.emulator import running_emulator
from p2p_conformance.model import TargetKind, target_kind
from p2p_conformance.pytest_plugin.scope import SUITE_MODULE
from p2p_conformance.report.files import REPORTS_OF
from p2p_conformance.signer.env import PRIVATE_KEY_PATH

ROOT = Path(__file__).resolve().parents[1]
CANARY = Canary("CanaryKeyFirst" + "f" * 50, "CanarySecretFirst" + "h" * 47)
ONE = ("-k", "ads/getAds and not agent")
NOT_COLLECTED = "ERROR: --emulator is an option of p2p-conformance's suite, which this run does not collect: "


@pytest.mark.parametrize("where", ["checkout", "any folder"])
@pytest.mark.parametrize("asked", [("--help",), ("--version",)])
def test_help_and_version_work_in_a_checkout_and_anywhere(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, where: str, asked: tuple[str, ...]
) -> None:
    if where == "checkout":
        monkeypatch.chdir(ROOT)
    result = pytester.runpytest(*asked, "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.OK, result.stderr.str()[-2000:]
    if asked == ("--help",):  # the suite's options, in their own group
        result.stdout.fnmatch_lines(["Binance C2C conformance:", "  --binance-url=BINANCE_URL"])


def test_collect_only_in_a_checkout_lists_the_suite_and_sends_nothing(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    reports = pytester.path / "reports"
    result = pytester.runpytest(
        "--co", "-q", "-m", "live", "--emulator", "--report-dir", str(reports), "-p", "no:cacheprovider"
    )
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()[-2000:]
    result.stdout.fnmatch_lines(
        ["*test_live[[]ads/getAds[]]*", "Tests collected only (--collect-only): nothing was sent*"]
    )
    assert not [path for path in reports.rglob("*") if path.is_file()]


def test_an_unquoted_list_after_focus_is_named_as_the_stray_argument(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    result = pytester.runpytest(
        "-m", "live", "--emulator", "--focus", "ads/getAds", "ads/search", "-p", "no:cacheprovider"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            NOT_COLLECTED
            + "pytest took 'ads/search' for a path to test, and there is none*--focus ads/getAds,ads/search)"
        ]
    )


def test_a_run_from_a_folder_of_the_checkout_says_to_run_from_its_root(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT / "docs")
    result = pytester.runpytest("-m", "live", "--emulator", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [NOT_COLLECTED + f"run it from the checkout's root ({ROOT}), or: pytest --pyargs {SUITE_MODULE} ..."]
    )


def test_rounds_without_an_interval_are_said_to_run_back_to_back(pytester: pytest.Pytester) -> None:
    reports = pytester.path / "reports"
    result = pytester.runpytest(
        "--pyargs", SUITE_MODULE, "-m", "live", "--emulator", "--repeat", "2", "-k", "ads/getAds and not agent",
        "--report-dir", str(reports), "-p", "no:cacheprovider",
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()[-2000:]
    lines = result.stdout.lines
    said = "--repeat 2 without --interval: the rounds run back to back, minutes apart at most; give --interval SECONDS*"
    result.stdout.fnmatch_lines([said])
    assert lines.index(next(line for line in lines if line.startswith("--repeat 2 without"))) < lines.index(
        next(line for line in lines if "test_endpoints.py" in line)
    )  # before the first test
    page_note = "The 2 rounds ran back to back (* s from the first to the last; no --interval)"
    result.stdout.fnmatch_lines([f"  Note: {page_note}*"])
    assert "ran back to back" in (reports / "live-report.html").read_text()


def test_the_seed_story_says_how_many_phases_it_has_and_which_ran(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(
        "--pyargs", SUITE_MODULE, "-m", "live", "--emulator", "--scenario", "seed-story", "--repeat", "3",
        "-k", "ads/getAds and not agent", "--report-dir", str(pytester.path / "reports"), "-p", "no:cacheprovider",
    )  # fmt: skip
    told = "The emulator's story seed-story has 4 phases (July 6, *); --repeat 3 plays the first 3, --repeat 4 all"
    result.stdout.fnmatch_lines([told, "*", f"  {told}"])


def test_the_last_lines_name_the_text_version_for_a_reader_without_a_browser(pytester: pytest.Pytester) -> None:
    reports = pytester.path / "reports"
    result = pytester.runpytest(
        "--pyargs", SUITE_MODULE, "-m", "live", "--emulator", "-k", "ads/getAds and not agent",
        "--report-dir", str(reports), "-p", "no:cacheprovider",
    )  # fmt: skip
    (report_line,) = [line for line in result.stdout.lines[-4:] if line.startswith("Report: ")]
    text_version = reports / "live-summary.md"
    assert report_line.startswith(f"Report: {reports / 'live-report.html'} (without a browser: live-summary.md, ")
    assert "ads/getAds" in text_version.read_text()


def test_the_readme_wheel_is_built_into_a_folder_git_ignores() -> None:
    readme = (ROOT / "README.md").read_text()
    (command,) = re.findall(r"`(pip wheel [^`]*)`", readme)
    assert "-w dist" in command, f"received {command!r}, expected the wheel written into dist/"
    ignored = subprocess.run(["git", "check-ignore", "-q", "dist/p2p_conformance-0.1.0-py3-none-any.whl"], cwd=ROOT)
    assert ignored.returncode == 0, (
        "received dist/ not ignored by git, expected the built wheel to leave git status clean"
    )


def run_at(pytester: pytest.Pytester, url: str) -> pytest.RunResult:
    """The suite, installed, from a project folder of its own, against ``url`` (no --report-dir: the default)."""
    return pytester.runpytest(
        "--pyargs", SUITE_MODULE, "-m", "live", "--binance-url", url, *ONE, "-p", "no:cacheprovider"
    )


def test_a_standalone_emulator_reached_by_its_address_is_an_emulator_run_everywhere(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    CANARY.in_environment(monkeypatch)
    with running_emulator(CANARY.emulator({"ads/getAds": "-2008"})) as url:
        result = run_at(pytester, url)
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()[-2000:]  # the one call, refused
    reports = pytester.path / "reports" / "not-binance"  # apart from real runs, decided before any answer
    summary = json.loads((reports / "live-summary.json").read_text())
    assert summary["emulator"] == f"canary, at {url} (--binance-url)"
    result.stdout.fnmatch_lines([f"Target: the local emulator, not Binance (canary, at {url} (--binance-url))"])
    page = (reports / "live-report.html").read_text()
    assert "Local emulator, not Binance." in page and page.count(EMULATOR_HEADER) == 1  # the answer's details only
    assert "the local emulator, not Binance" in (reports / "live-summary.md").read_text()
    (stored,) = sqlite3.connect(reports / "history.sqlite3").execute("SELECT emulator FROM runs").fetchall()
    assert stored == (summary["emulator"],)
    assert not (pytester.path / "reports" / "live-summary.json").exists()


def test_a_target_none_of_binance_hosts_says_so_on_the_first_screen(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A mock of the merchant's on loopback, which is not the suite's emulator (no answer says it is)."""
    CANARY.in_environment(monkeypatch)
    emulator = CANARY.emulator()

    def mock(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        def without_the_emulator_header(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            kept = [(name, value) for name, value in headers if name.lower() != EMULATOR_HEADER.lower()]
            return start_response(status, kept, *exc)

        return emulator(environ, without_the_emulator_header)

    with running_emulator(mock) as url:
        result = run_at(pytester, url)
    reports = pytester.path / "reports" / "not-binance"
    summary = json.loads((reports / "live-summary.json").read_text())
    assert summary["emulator"] is None
    said = f"{url}, none of Binance's API hosts: its answers are not evidence about Binance"
    result.stdout.fnmatch_lines([f"Target: {said}"])
    assert f"Not Binance's address.</strong> This run went to {url}" in (reports / "live-report.html").read_text()
    assert said in (reports / "live-summary.md").read_text()


def test_the_readme_says_how_to_use_an_rsa_or_ed25519_key_as_the_suite_reads_it() -> None:
    live_run_section = (ROOT / "README.md").read_text().split("## A live run with your key", 1)[1].split("\n## ", 1)[0]
    assert f"`{PRIVATE_KEY_PATH}=" in live_run_section and "RSA or Ed25519" in live_run_section


@pytest.mark.parametrize(
    ("emulator", "base_url", "kind"),
    [
        (None, "https://api.binance.com", TargetKind.BINANCE),
        (None, "https://api-gcp.binance.com:443/", TargetKind.BINANCE),
        (None, "https://api.binance.com:8443", TargetKind.NOT_BINANCE),  # another port: not Binance's API
        (None, "http://api.binance.com", TargetKind.NOT_BINANCE),  # not over HTTPS
        (None, "https://api.binance.com.example.invalid", TargetKind.NOT_BINANCE),
        (None, "http://127.0.0.1:8080", TargetKind.NOT_BINANCE),  # p2p-emulator before its answers say so
        ("july-9", "http://127.0.0.1:8080", TargetKind.EMULATOR),
        (None, None, TargetKind.BINANCE),  # a run that reached no target was aimed at Binance
    ],
)
def test_a_run_s_kind_of_target_is_decided_by_one_rule(
    emulator: str | None, base_url: str | None, kind: TargetKind
) -> None:
    """Where a run's reports go, what every output calls its target, which feeds it publishes to and compares with:
    all follow from ``target_kind``, Binance's only at one of Binance's API hosts over HTTPS on its port."""
    assert target_kind(emulator, base_url) is kind
    assert REPORTS_OF[kind] == {"binance": "", "emulator": "emulator", "not-binance": "not-binance"}[kind]
