"""The plugin in a project of its own: found by its entry point, offline unless ``-m live``, and its
options and folders taken from that project, not from this repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from signer import vectors

TESTS = """
import socket
import pytest

@pytest.mark.live
def test_live():
    pass

def test_offline():
    pass

def test_non_loopback_connection_is_blocked():
    # 127.0.0.2 is not on the allowed list; were the guard missing, this would still stay on this machine.
    with pytest.raises(Exception, match="Network is disabled"):
        socket.create_connection(("127.0.0.2", 9), timeout=0.1)
"""


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    """A throwaway project with one live test and two offline tests; pytest loads the plugin by its entry point."""
    pytester.makeini("[pytest]\n")  # an ini file of its own: the throwaway project is its rootdir
    pytester.makepyfile(TESTS)
    return pytester


def live_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Binance's published example key: enough for a live run whose tests call nothing."""
    monkeypatch.setenv("BINANCE_API_KEY", vectors.BINANCE_API_KEY)
    monkeypatch.setenv("BINANCE_API_SECRET", vectors.BINANCE_SECRET)


def test_plugin_is_found_by_its_entry_point_and_registers_its_markers(suite: pytest.Pytester) -> None:
    result = suite.runpytest("--strict-markers", "--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.live: calls the real target with your key*", "@pytest.mark.browser: *"])
    suite.runpytest("--strict-markers").assert_outcomes(passed=2, deselected=1)


def test_plain_run_deselects_live_tests_and_blocks_the_network(suite: pytest.Pytester) -> None:
    result = suite.runpytest("-v")
    result.assert_outcomes(passed=2, deselected=1)
    result.stdout.fnmatch_lines(["*test_offline PASSED*", "*test_non_loopback_connection_is_blocked PASSED*"])


@pytest.mark.parametrize("expression", ["live", "live and not slow"])
def test_marker_expression_naming_live_selects_live_tests(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, expression: str
) -> None:
    live_credentials(monkeypatch)
    suite.runpytest("-m", expression, "-k", "test_live").assert_outcomes(passed=1, deselected=2)
    assert (suite.path / "reports" / "live-summary.json").is_file()  # under the project's rootdir


def test_path_options_in_space_form_work_outside_the_project_on_every_run(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    live_credentials(monkeypatch)
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    keys_file, reports = elsewhere / "keys.toml", elsewhere / "my-reports"
    keys_file.write_text(f'[main]\napi_key = "{vectors.BINANCE_API_KEY}"\nsecret = "{vectors.BINANCE_SECRET}"\n')
    for _ in range(2):  # the second time the report folder exists
        result = suite.runpytest("-m", "live", "--keys-file", str(keys_file), "--report-dir", str(reports))
        result.assert_outcomes(passed=1, deselected=2)
    assert len({Path(p).name for p in reports.glob("live-summary-*.json")}) == 2
    assert not (suite.path / "reports").exists()


def test_a_key_file_outside_the_project_leaves_the_reports_in_the_project(
    suite: pytest.Pytester, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """pytest takes ``/elsewhere/secrets/keys.toml`` for a test path while it chooses its rootdir (it does not
    know ``--keys-file`` yet); the run's reports and history stay in the project all the same."""
    secrets = tmp_path_factory.mktemp("elsewhere") / "secrets"
    secrets.mkdir()
    keys_file = secrets / "keys.toml"
    keys_file.write_text(f'[main]\napi_key = "{vectors.BINANCE_API_KEY}"\nsecret = "{vectors.BINANCE_SECRET}"\n')
    result = suite.runpytest("-m", "live", "--keys-file", str(keys_file))
    result.assert_outcomes(passed=1, deselected=2)
    assert (suite.path / "reports" / "live-summary.json").is_file()
    assert (suite.path / "reports" / "history.sqlite3").is_file()
    assert sorted(path.name for path in secrets.iterdir()) == ["keys.toml"]


def test_a_reports_folder_that_links_out_of_the_project_is_written_only_when_named(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    live_credentials(monkeypatch)
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (suite.path / "reports").symlink_to(elsewhere, target_is_directory=True)
    refused = suite.runpytest("-m", "live")
    assert refused.ret == pytest.ExitCode.USAGE_ERROR and list(elsewhere.iterdir()) == []
    refused.stderr.fnmatch_lines([f"ERROR: {suite.path / 'reports'} is a link to {elsewhere.resolve()}, outside*"])
    suite.runpytest("-m", "live", "--report-dir", str(elsewhere)).assert_outcomes(passed=1, deselected=2)
    assert (elsewhere / "live-summary.json").is_file()


def test_a_live_run_that_selects_no_live_test_leaves_the_reports_as_they_were(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From the project's docs/ folder pytest collects nothing: no report replaces the last one."""
    live_credentials(monkeypatch)
    reports = suite.path / "reports"
    reports.mkdir()
    (reports / "live-report.html").write_text("the report of the last real run")
    (suite.path / "docs").mkdir()
    monkeypatch.chdir(suite.path / "docs")
    result = suite.runpytest("-m", "live")
    assert (reports / "live-report.html").read_text() == "the report of the last real run"
    assert sorted(path.name for path in reports.iterdir()) == ["history.sqlite3", "live-report.html"]
    result.stdout.fnmatch_lines(
        ["No live test ran (none was selected), so nothing was sent and no report was written (*)."]
    )
    assert "Generated html report" not in result.stdout.str()


def test_the_project_env_file_is_read_from_a_subfolder(suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    (suite.path / ".env").write_text(
        f"BINANCE_API_KEY={vectors.BINANCE_API_KEY}\nBINANCE_API_SECRET={vectors.BINANCE_SECRET}\n"
    )
    (suite.path / "tests").mkdir()
    monkeypatch.chdir(suite.path / "tests")
    suite.runpytest("-m", "live", str(suite.path)).assert_outcomes(passed=1, deselected=2)


def test_live_run_without_credentials_fails_with_one_line_saying_what_to_set(suite: pytest.Pytester) -> None:
    result = suite.runpytest("-m", "live")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: live run: BINANCE_API_KEY is not set: put it in the environment or in .env*"])
    assert len([line for line in result.stderr.lines if line.strip()]) == 1, result.stderr.str()


def test_emulator_without_live_marker_is_refused(suite: pytest.Pytester) -> None:
    result = suite.runpytest("--emulator")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --emulator runs the live tests: add -m live"])


def test_recording_without_live_is_refused(suite: pytest.Pytester) -> None:
    result = suite.runpytest("--record-mode=rewrite")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --record-mode records cassettes from a live target: add -m live*"])
