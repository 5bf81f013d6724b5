"""The plugin installed in a project of its own.

Run as ``pytest --pyargs p2p_conformance.suite`` from a throwaway project, the suite is offline unless
``-m live`` and takes its folders from that project, not from this repository. In a foreign project's own
run, the plugin is a guest: the same outcomes as without it, and no file written.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from canary import Canary

from p2p_conformance.emulator import running_emulator
from p2p_conformance.pytest_plugin.scope import SUITE_MODULE

CANARY = Canary("CanaryKeySel" + "s" * 52, "CanarySecretSel" + "c" * 49)
ONE_ENDPOINT = "ads/getAvailableAdsCategory and not agent"  # needs no id: one call
ONE_LIVE = ("-k", f"test_live and {ONE_ENDPOINT}")
TARGET_REPORTS = Path("reports", "not-binance")  # the default for the target fixture's address: none of Binance's

# Beside the suite's tests: what a connection to a non-loopback address does inside each of them.
NETWORK_PROBE = """
import socket
import pytest

@pytest.fixture(autouse=True)
def network_probe(request, block_network):  # after pytest-recording's guard, where it applies
    try:
        socket.create_connection(("127.0.0.2", 9), timeout=1).close()
        outcome = "connected"
    except Exception as error:  # "Network is disabled" from the guard, else the OS's refusal
        outcome = f"{type(error).__name__}: {error}"
    request.node.user_properties.append(("network", outcome))
    print(f"NETWORK {request.node.name}: {outcome}")
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A throwaway project that runs the installed suite; its ini makes it the run's project folder."""
    pytester.makeini("[pytest]\n")
    pytester.makepyfile(network_probe_plugin=NETWORK_PROBE)
    pytester.syspathinsert()  # the probe is a plugin module of the project: -p network_probe_plugin
    return pytester


def run_suite(project: pytest.Pytester, *args: str) -> pytest.RunResult:
    return project.runpytest("--pyargs", SUITE_MODULE, "-p", "no:cacheprovider", *args)


@pytest.fixture
def target(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A canary key in the environment and a target on loopback that knows it (an emulator, as a real
    target: ``--binance-url``)."""
    CANARY.in_environment(monkeypatch)
    with running_emulator(CANARY.emulator()) as url:
        yield url


def test_the_suite_runs_from_the_package_with_its_marker_registered(project: pytest.Pytester) -> None:
    result = run_suite(project, "--strict-markers", "--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.live: calls the real target with your key*"])
    offline = run_suite(project, "--strict-markers", "-k", ONE_ENDPOINT)
    outcomes = offline.parseoutcomes()
    assert outcomes["passed"] == 2, offline.stdout.str()  # its request shape and its cassette replay
    assert "test_live" not in offline.stdout.str()


def test_an_offline_run_of_the_suite_reaches_loopback_only(project: pytest.Pytester) -> None:
    result = run_suite(project, "-p", "network_probe_plugin", "-s", "-k", ONE_ENDPOINT)
    result.assert_outcomes(passed=2)
    probes = [line.partition("NETWORK ")[2] for line in result.stdout.lines if "NETWORK " in line]
    assert len(probes) == 2 and all("Network is disabled" in line for line in probes), probes


@pytest.mark.parametrize("expression", ["live", "live and not slow"])
def test_marker_expression_naming_live_selects_live_tests(
    project: pytest.Pytester, target: str, expression: str
) -> None:
    result = run_suite(project, "-m", expression, "--binance-url", target, *ONE_LIVE)
    result.assert_outcomes(passed=1)
    assert (project.path / TARGET_REPORTS / "live-summary.json").is_file()  # in the project's folder


def test_path_options_outside_the_project_work_on_every_run(
    project: pytest.Pytester, target: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    keys_file, reports = elsewhere / "keys.toml", elsewhere / "my-reports"
    keys_file.write_text(f'[main]\napi_key = "{CANARY.api_key}"\nsecret = "{CANARY.secret}"\n')
    for _ in range(2):  # the second time the report folder exists
        result = run_suite(
            project, "-m", "live", "--binance-url", target, f"--keys-file={keys_file}", f"--report-dir={reports}",
            *ONE_LIVE,
        )  # fmt: skip
        result.assert_outcomes(passed=1)
    assert len({Path(p).name for p in reports.glob("live-summary-*.json")}) == 2
    assert not (project.path / "reports").exists()


@pytest.mark.parametrize("flag", ["--keys-file", "--report-dir", "--cassette-dir"])
def test_a_path_option_given_apart_that_hides_the_project_settings_is_one_line(
    project: pytest.Pytester, target: str, tmp_path_factory: pytest.TempPathFactory, flag: str
) -> None:
    """``--keys-file /elsewhere/keys.toml``: pytest takes the path for a folder to test while it chooses its settings
    file (it does not know the suite's options yet), and the project's own pytest.ini goes unread."""
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "keys.toml").write_text(f'[main]\napi_key = "{CANARY.api_key}"\nsecret = "{CANARY.secret}"\n')
    value = str(elsewhere / "keys.toml") if flag == "--keys-file" else str(elsewhere)
    result = run_suite(project, "-m", "live", "--binance-url", target, flag, value, *ONE_LIVE)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [f"ERROR: write {flag}={value} (with '='): given with a space, pytest took * did not read {project.path}*"]
    )
    assert sorted(path.name for path in elsewhere.iterdir()) == ["keys.toml"]


def test_a_key_file_outside_the_project_leaves_the_reports_in_the_project(
    project: pytest.Pytester, target: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    secrets = tmp_path_factory.mktemp("elsewhere") / "secrets"
    secrets.mkdir()
    keys_file = secrets / "keys.toml"
    keys_file.write_text(f'[main]\napi_key = "{CANARY.api_key}"\nsecret = "{CANARY.secret}"\n')
    result = run_suite(project, "-m", "live", "--binance-url", target, f"--keys-file={keys_file}", *ONE_LIVE)
    result.assert_outcomes(passed=1)
    assert (project.path / TARGET_REPORTS / "live-summary.json").is_file()
    assert (project.path / TARGET_REPORTS / "history.sqlite3").is_file()
    assert sorted(path.name for path in secrets.iterdir()) == ["keys.toml"]


def test_a_reports_folder_that_links_out_of_the_project_is_written_only_when_named(
    project: pytest.Pytester, target: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (project.path / "reports").symlink_to(elsewhere, target_is_directory=True)
    refused = run_suite(project, "-m", "live", "--binance-url", target, *ONE_LIVE)
    assert refused.ret == pytest.ExitCode.USAGE_ERROR and list(elsewhere.iterdir()) == []
    refused.stderr.fnmatch_lines([f"ERROR: {project.path / 'reports'} is a link to {elsewhere.resolve()}, outside*"])
    named = run_suite(project, "-m", "live", "--binance-url", target, f"--report-dir={elsewhere}", *ONE_LIVE)
    named.assert_outcomes(passed=1)
    assert (elsewhere / "live-summary.json").is_file()


def test_a_reports_folder_that_cannot_be_written_stops_the_run_before_anything_is_sent(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder the run could not write its report into (here: under a file) is one line, and no call goes out."""
    CANARY.in_environment(monkeypatch)
    emulator = CANARY.emulator()
    blocked = project.path / "a-file"
    blocked.write_text("not a folder")
    with running_emulator(emulator) as url:
        result = run_suite(project, "-m", "live", "--binance-url", url, "--report-dir", str(blocked / "reports"))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {blocked / 'reports'}: cannot be written (Not a directory): make it *"])
    assert emulator.journal == []


def test_a_live_run_that_selects_no_live_test_leaves_the_reports_as_they_were(
    project: pytest.Pytester, target: str
) -> None:
    """A -k that matches no live test (a typo) writes nothing: the last run's support page and the pytest-html page
    it links to stay as they were, no history is begun, and the line says which option matched nothing."""
    reports = project.path / TARGET_REPORTS
    reports.mkdir(parents=True)
    last_run = {"live-report.html": "the report of the last real run", "pytest-report.html": "its pytest page"}
    for name, text in last_run.items():
        (reports / name).write_text(text)
    result = run_suite(project, "-m", "live", "--binance-url", target, "-k", "getAdz")
    assert {path.name: path.read_text() for path in reports.iterdir()} == last_run
    result.stdout.fnmatch_lines(
        ['No live test ran: -k "getAdz" matched none of the live tests, so nothing was sent and no report was written*']
    )


def test_the_project_env_file_is_read_from_a_subfolder(
    project: pytest.Pytester, target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("BINANCE_API_KEY", "BINANCE_API_SECRET"):
        monkeypatch.delenv(name)
    (project.path / ".env").write_text(f"BINANCE_API_KEY={CANARY.api_key}\nBINANCE_API_SECRET={CANARY.secret}\n")
    (project.path / "tests").mkdir()
    monkeypatch.chdir(project.path / "tests")
    run_suite(project, "-m", "live", "--binance-url", target, *ONE_LIVE).assert_outcomes(passed=1)


def test_live_run_without_credentials_fails_with_one_line_saying_what_to_set(project: pytest.Pytester) -> None:
    result = run_suite(project, "-m", "live")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: live run: BINANCE_API_KEY is not set: put it in the environment or in .env*"])
    assert len([line for line in result.stderr.lines if line.strip()]) == 1, result.stderr.str()


def test_emulator_without_live_marker_is_refused(project: pytest.Pytester) -> None:
    result = run_suite(project, "--emulator")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --emulator runs the live tests: add -m live"])


def test_recording_without_live_is_refused(project: pytest.Pytester) -> None:
    result = run_suite(project, "--record-mode=rewrite")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --record-mode records cassettes from a live target: add -m live*"])


# A project that knows nothing of the suite: its own network test, its own `live` and `browser` markers (with
# --strict-markers), pytest-recording used as its docs say, and an option that pytest-timeout also adds.
FOREIGN_CONFTEST = """
import pytest

def pytest_addoption(parser):
    parser.addoption("--timeout", default=None)  # as pytest-timeout does

def pytest_configure(config):
    config.addinivalue_line("markers", "live: this project's own live tests")
    config.addinivalue_line("markers", "browser: this project's own browser tests")
"""
FOREIGN_TESTS = """
import socket
import pytest

def test_a_connection_to_another_loopback_address_is_refused_by_the_os():
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.2", 9), timeout=1)

@pytest.mark.live
def test_its_own_live_test():
    pass

@pytest.mark.browser
def test_its_own_browser_test():
    pass

@pytest.mark.vcr
def test_pytest_recording_defaults(vcr_cassette_dir, default_cassette_name, vcr_config, request):
    assert vcr_cassette_dir == str(request.path.parent / "cassettes" / "test_foreign")
    assert default_cassette_name == "test_pytest_recording_defaults"
    assert vcr_config == {}
"""


@pytest.fixture
def foreign(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeini("[pytest]\naddopts = --strict-markers -p no:cacheprovider\n")
    pytester.makeconftest(FOREIGN_CONFTEST)
    pytester.makepyfile(test_foreign=FOREIGN_TESTS)
    return pytester


def files_in(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if "__pycache__" not in path.parts)


@pytest.mark.parametrize("markers", [(), ("-m", "live"), ("-m", "browser")])
def test_a_foreign_project_runs_as_it_would_without_the_plugin(
    foreign: pytest.Pytester, markers: tuple[str, ...]
) -> None:
    before = files_in(foreign.path)
    with_plugin = foreign.runpytest("-v", *markers)
    without_plugin = foreign.runpytest("-v", "-p", "no:p2p_conformance", *markers)
    assert with_plugin.ret == without_plugin.ret == pytest.ExitCode.OK, with_plugin.stdout.str()
    assert with_plugin.parseoutcomes() == without_plugin.parseoutcomes()
    expected = 4 if not markers else 1
    assert with_plugin.parseoutcomes()["passed"] == expected
    assert files_in(foreign.path) == before


def test_the_suite_options_in_a_foreign_run_say_where_the_suite_is(foreign: pytest.Pytester) -> None:
    result = foreign.runpytest("-m", "live", "--emulator")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [f"ERROR: --emulator is an option of p2p-conformance's suite, which this run does not collect*{SUITE_MODULE}*"]
    )
    assert not (foreign.path / "reports").exists()
