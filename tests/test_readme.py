"""The README as a newcomer runs it: the signer example runs as written, and every pytest command it shows is
accepted as written (options, markers, the suite found) by a run that collects without sending anything.
CI runs the set-up block itself (``.ci/run``, in a fresh virtualenv with no extras)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from canary import Canary

from p2p_conformance.pytest_plugin.scope import SUITE_MODULE

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
CANARY = Canary("CanaryKeyReadme" + "r" * 49, "CanarySecretReadme" + "m" * 46)


DOCS = [README, *sorted((ROOT / "docs").glob("*.md"))]
# Files a command names that the merchant makes first (copied from an example): the test makes its own
MERCHANT_FILES = {"keys.toml": '[main]\napi_key = "{key}"\nsecret = "{secret}"\n'}


def pytest_commands(documents: list[Path] = DOCS) -> list[str]:
    """Each ``pytest ...`` (or ``p2p-conformance ...``) command of the documents' sh blocks, continuation lines
    joined, comments left out."""
    blocks = [block for path in documents for block in re.findall(r"```sh\n(.*?)```", path.read_text(), flags=re.S)]
    lines = "\n".join(blocks).replace("\\\n", " ").splitlines()
    return [line.split("  #")[0].strip() for line in lines if line.startswith(("pytest", "p2p-conformance"))]


def test_readme_signer_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "received no ```python block in README.md, expected the signer example"
    exec(compile(blocks[0], str(README), "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "HmacKey(api_key='vmPU...Eh8A')"
    assert printed[1].startswith("tradeType=BUY&page=1&recvWindow=5000&timestamp=1499827319559&signature=")


def test_the_readme_shows_the_set_up_and_first_runs() -> None:
    commands = pytest_commands([README])
    assert {"pytest -n auto", "pytest -m live --emulator", "pytest -m live"} <= set(commands), commands


def test_ci_runs_the_readme_set_up_block_as_written() -> None:
    set_up = re.search(r"## Set up.*?```sh\n(.*?)```", README.read_text(), flags=re.S)
    assert set_up is not None, "received no sh block under README.md's 'Set up', expected the set-up commands"
    ci = (ROOT / ".ci" / "run").read_text()
    step = re.search(r"# 1\. README\.md.*?\n\(\n  set -euo pipefail\n(.*?)\n\)", ci, flags=re.S)
    assert step is not None, "received no README step in .ci/run, expected the set-up run in its own virtualenv"
    ran = [line.strip() for line in step.group(1).splitlines()]
    assert ran == set_up.group(1).strip().splitlines(), f"received {ran} in .ci/run, expected README's set-up"


# The project's self-tests' markers: commands that select them run in a checkout only (its tests/ are not shipped)
SELF_TEST_MARKERS = re.compile(r"-m (browser|node|wheel)\b")
COMMANDS = sorted(set(pytest_commands()))
WHERE = [("checkout", command) for command in COMMANDS]
WHERE += [("installed", command) for command in COMMANDS if not SELF_TEST_MARKERS.search(command)]


@pytest.mark.parametrize(("where", "command"), WHERE)
def test_every_documented_pytest_command_is_accepted_as_written(
    where: str, command: str, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As the README and docs/ say, from the checkout and from another folder with the installed package (as
    ``pytest --pyargs p2p_conformance.suite ...``, which docs/live-runs.md says every command works as), with a canary
    key where a command needs one and the files a merchant makes first made in a temporary folder; collection only,
    and whatever a live run's start writes goes to a temporary folder, not the checkout's ``reports/``."""
    CANARY.in_environment(monkeypatch)
    for name, text in MERCHANT_FILES.items():
        (pytester.path / name).write_text(text.format(key=CANARY.api_key, secret=CANARY.secret))
        command = command.replace(f"={name}", f"={pytester.path / name}")
    if where == "checkout":
        monkeypatch.chdir(ROOT)
    elsewhere = [f"--report-dir={pytester.path / 'reports'}", "-p", "no:cacheprovider"]
    program, *arguments = shlex.split(command)
    if program == "p2p-conformance" or where == "installed":  # as the console script hands them to pytest
        arguments = ["--pyargs", SUITE_MODULE, *arguments]
    result = pytester.runpytest(*arguments, "--collect-only", "-q", *elsewhere)
    wanted = re.search(r"(pip install -e '\.\[\w+\]')", result.stderr.str())
    if result.ret == pytest.ExitCode.USAGE_ERROR and wanted is not None:  # an extra this environment has not
        install = wanted.group(1)
        assert install in install_lines_before(command), f"{command!r} needs {install}, which its docs do not say first"
        return
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()[-2000:] + result.stderr.str()[-2000:]
    assert re.search(r"^\d+(/\d+)? tests? collected", result.stdout.str(), flags=re.M), result.stdout.str()[-2000:]


def install_lines_before(command: str) -> list[str]:
    """The ``pip install`` lines above ``command`` in the sh block of the docs that shows it."""
    blocks = [block for path in DOCS for block in re.findall(r"```sh\n(.*?)```", path.read_text(), flags=re.S)]
    lines = next(block.splitlines() for block in blocks if command in block)
    above = lines[: next(i for i, line in enumerate(lines) if line.startswith(command))]
    return [line.split("  #")[0].strip() for line in above if line.startswith("pip install")]
