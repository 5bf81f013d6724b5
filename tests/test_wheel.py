"""The package as a merchant installs it: a wheel built from this checkout, installed with its dependencies
into a fresh virtualenv, run from an empty folder. Selected only with ``-m wheel`` (CI runs it): the
install fetches the dependencies from the package index."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from catalog_facts import CATALOG

ROOT = Path(__file__).resolve().parents[1]
SUITE = "p2p_conformance.suite"
pytestmark = pytest.mark.wheel


def run(command: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    environment = {name: value for name, value in os.environ.items() if not name.startswith(("BINANCE_", "PYTHON"))}
    return subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel pip builds from this checkout (the links to the card's folders followed: real files)."""
    out = tmp_path_factory.mktemp("dist")
    built = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)], out)
    assert built.returncode == 0, built.stderr
    (path,) = out.glob("p2p_conformance-*.whl")
    return path


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the wheel and its dependencies, nothing of this checkout; its bin folder."""
    environment = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=True).create(environment)
    bin_dir = environment / "bin"
    done = run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", str(wheel)], environment)
    assert done.returncode == 0, done.stderr
    return bin_dir


def test_the_wheel_installs_one_import_name_with_the_catalog_the_cassettes_and_the_scenarios(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top_level == {"p2p_conformance"}, f"received top-level names {sorted(top_level)}, expected p2p_conformance"
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names), "received no LICENSE in the wheel"
    cassettes = [
        name for name in names if name.startswith("p2p_conformance/suite/cassettes/") and name.endswith(".yaml")
    ]
    assert len(cassettes) == len(CATALOG.contracts)
    for shipped in (
        "p2p_conformance/contracts/endpoints.yaml",
        "p2p_conformance/contracts/error-codes.yaml",
        "p2p_conformance/emulator/scenarios/seed-story.yaml",
        "p2p_conformance/suite/conftest.py",
        "p2p_conformance/suite/test_endpoints.py",
        "p2p_conformance/report/templates/verdict.html",
        "p2p_conformance/report/status-feed.schema.json",
        "p2p_conformance/report/status-aggregate.schema.json",
        "p2p_conformance/report/templates/community.html",
    ):
        assert shipped in names, f"received no {shipped} in the wheel"


def test_the_installed_suite_runs_live_against_the_emulator_and_offline_from_an_empty_folder(
    installed: Path, tmp_path: Path
) -> None:
    live = run(
        [str(installed / "pytest"), "--pyargs", SUITE, "-m", "live", "--emulator", "-p", "no:cacheprovider"], tmp_path
    )
    assert live.returncode == 0, live.stdout[-3000:] + live.stderr[-2000:]
    read_only = [contract for contract in CATALOG.contracts if contract.read_only]
    assert f" {len(read_only)} passed" in live.stdout, live.stdout[-2000:]  # no chat socket: only with --socket
    reports = tmp_path / "reports" / "emulator"
    assert {"live-report.html", "live-summary.json", "live-summary.md", "history.sqlite3"} <= {
        path.name for path in reports.iterdir()
    }
    offline = run([str(installed / "p2p-conformance"), "-p", "no:cacheprovider"], tmp_path)  # the same, shorter
    assert offline.returncode == 0, offline.stdout[-3000:] + offline.stderr[-2000:]
    assert f" {2 * len(CATALOG.contracts)} passed" in offline.stdout, offline.stdout[-2000:]
    assert "warnings summary" not in offline.stdout, offline.stdout[-2000:]  # none (an assert-rewrite one was)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["reports"]
