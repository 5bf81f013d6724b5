"""A release merchants install by name (issue 39): the project's own CI runs the README's set-up as written on every
Python it claims, the release workflow publishes only what .ci/release-build built and checked, by trusted
publishing, and the version is written once (the package's metadata), said by the command, every report and the
changelog."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
import yaml

from p2p_conformance.model import SUITE_VERSION
from p2p_conformance.suite.command import main as p2p_conformance

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def workflow(name: str) -> dict[Any, Any]:
    document = yaml.safe_load((WORKFLOWS / name).read_text())
    assert isinstance(document, dict)
    return document


def test_the_version_is_the_package_metadata_and_the_command_says_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert SUITE_VERSION == metadata.version("p2p-conformance") == PROJECT["version"]
    assert p2p_conformance(["--version"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == f"p2p-conformance {SUITE_VERSION}"


def test_the_changelog_has_the_version_as_its_newest_release_and_gives_its_section() -> None:
    released = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$", (ROOT / "CHANGELOG.md").read_text(), re.M)
    assert released and released[0] == SUITE_VERSION, f"received {released[:1]}, expected {SUITE_VERSION} newest"
    notes = subprocess.run(
        [sys.executable, ".ci/changelog_section.py", SUITE_VERSION], cwd=ROOT, capture_output=True, text=True
    )
    assert (
        notes.returncode == 0
        and notes.stdout.startswith("The first release.")
        and not re.search(r"^## ", notes.stdout, re.M)
    )
    missing = subprocess.run(
        [sys.executable, ".ci/changelog_section.py", "9.9.9"], cwd=ROOT, capture_output=True, text=True
    )
    assert missing.returncode == 1 and missing.stdout == "" and "no section ## [9.9.9]" in missing.stderr


def test_the_licence_is_declared_and_shipped() -> None:
    assert PROJECT["license"] == "MIT" and (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert all((ROOT / path).is_file() for path in PROJECT["license-files"])
    assert "p2p_conformance/report/vendor/asciinema-player/LICENSE" in PROJECT["license-files"]  # what is vendored


def test_the_python_versions_claimed_are_the_ones_ci_runs_the_readme_on() -> None:
    claimed = sorted(c.rsplit(" ", 1)[1] for c in PROJECT["classifiers"] if re.fullmatch(r".*Python :: 3\.\d+", c))
    readme_job = workflow("ci.yml")["jobs"]["readme"]
    assert sorted(readme_job["strategy"]["matrix"]["python"]) == claimed == ["3.11", "3.12", "3.13"]
    assert PROJECT["requires-python"] == f">={claimed[0]}"
    set_up = re.search(r"## Set up.*?```sh\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    assert set_up is not None
    (step,) = [step for step in readme_job["steps"] if "run" in step]
    assert step["run"].strip().splitlines() == set_up.group(1).strip().splitlines()  # as written, every line
    (dev,) = [step["run"] for step in workflow("ci.yml")["jobs"]["dev"]["steps"] if "run" in step]
    assert dev == "bash .ci/run"


def test_a_release_publishes_only_what_was_built_and_checked_by_trusted_publishing() -> None:
    document = workflow("release.yml")
    assert document[True] == {"push": {"tags": ["v*"]}}  # YAML 1.1 reads the key `on` as true
    jobs = document["jobs"]
    build = "\n".join(str(step.get("run", "")) for step in jobs["build"]["steps"])
    assert 'bash .ci/release-build "${GITHUB_REF_NAME#v}"' in build
    pypi = jobs["pypi"]
    assert pypi["needs"] == "build" and pypi["permissions"] == {"id-token": "write"}
    assert [step["uses"] for step in pypi["steps"]][-1] == "pypa/gh-action-pypi-publish@release/v1"
    assert "secrets." not in (WORKFLOWS / "release.yml").read_text()  # no token in the repository
    assert document["permissions"] == {"contents": "read"} and jobs["github"]["permissions"] == {"contents": "write"}
    assert "--notes-file release-notes.md" in jobs["github"]["steps"][-1]["run"]
    script = (ROOT / ".ci" / "release-build").read_text()
    assert all(check in script for check in ('twine" check --strict', "--version", "-m live --emulator"))


def test_every_report_says_the_version_that_made_it(pytester: pytest.Pytester) -> None:
    reports = pytester.path / "reports"
    pytester.runpytest(
        "--pyargs", "p2p_conformance.suite", "-m", "live", "--emulator", "-k", "ads/getAds and not agent",
        f"--report-dir={reports}", "-p", "no:cacheprovider",
    )  # fmt: skip
    made_by = f"by p2p-conformance {SUITE_VERSION}"
    assert json.loads((reports / "live-summary.json").read_text())["suite_version"] == SUITE_VERSION
    assert (
        made_by in (reports / "live-report.html").read_text() and made_by in (reports / "live-summary.md").read_text()
    )
