"""A merchant's first hour (issue 38): each mistake a newcomer makes, run as written, gets one line that names it,
or just works. Run from the checkout where the mistake is made there; nothing is written into it."""

from __future__ import annotations

from pathlib import Path

import pytest

from p2p_conformance.pytest_plugin.scope import SUITE_MODULE

ROOT = Path(__file__).resolve().parents[1]
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
