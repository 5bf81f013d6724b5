"""The GitHub Actions workflow users copy: the offline suite on every push, a live run on a schedule."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "conformance.yml"
VALIDATOR = ROOT / "tools" / "node" / "node_modules" / ".bin" / "action-validator"


def workflow() -> dict[Any, Any]:
    document = yaml.safe_load(WORKFLOW.read_text())
    assert isinstance(document, dict)
    return document


def steps_text(job: dict[str, Any]) -> str:
    return "\n".join(str(step.get("run", "")) + str(step.get("uses", "")) for step in job["steps"])


def test_the_offline_suite_runs_on_every_push_and_pull_request_as_the_readme_says() -> None:
    document = workflow()
    triggers = document[True]  # YAML 1.1 reads the key `on` as true
    assert {"push", "pull_request", "schedule", "workflow_dispatch"} <= set(triggers)
    offline = document["jobs"]["offline"]
    assert "if" not in offline and "\npytest" in "\n" + steps_text(offline)
    assert "secrets." not in yaml.safe_dump(offline)  # the offline suite never sees a key


def test_the_live_run_is_scheduled_or_asked_for_and_skipped_with_a_notice_without_secrets() -> None:
    jobs = workflow()["jobs"]
    assert jobs["key"]["if"] == "github.event_name == 'schedule' || github.event_name == 'workflow_dispatch'"
    assert "::notice title=Live run skipped::" in steps_text(jobs["key"])
    live = jobs["live"]
    assert live["needs"] == "key" and live["if"] == "needs.key.outputs.present == 'true'"
    assert live["env"]["BINANCE_API_KEY"] == "${{ secrets.BINANCE_API_KEY }}"
    origins = [entry["origin"] for entry in live["strategy"]["matrix"]["include"]]
    assert len(set(origins)) >= 2
    run = steps_text(live)
    assert 'pytest -m live --origin "${{ matrix.origin }}" --bundle' in run
    assert "actions/cache/restore" in run and "actions/cache/save" in run and "actions/upload-artifact" in run
    assert "p2p-history-report" in steps_text(jobs["history"])


@pytest.mark.node
@pytest.mark.parametrize(
    "path",
    [*sorted((ROOT / ".github" / "workflows").glob("*.yml")), ROOT / "docs" / "community-status.yml"],
    ids=lambda path: path.name,
)
def test_action_validator_accepts_each_workflow_and_refuses_it_broken(tmp_path: Path, path: Path) -> None:
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed: action-validator needs it")
    assert VALIDATOR.exists(), "action-validator is not installed: npm ci --prefix tools/node"
    accepted = subprocess.run([str(VALIDATOR), str(path)], capture_output=True, text=True, timeout=60)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    broken = tmp_path / "broken.yml"
    assert "    runs-on: ubuntu-latest" in path.read_text()
    broken.write_text(path.read_text().replace("    runs-on: ubuntu-latest", "    runs-onn: ubuntu-latest"))
    refused = subprocess.run([str(VALIDATOR), str(broken)], capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0


@pytest.mark.parametrize(("case_id", "given"), [("", []), ("144098731", ["--case-id", "144098731"])])
def test_the_live_command_names_the_case_only_when_the_variable_is_set(case_id: str, given: list[str]) -> None:
    """The scheduled job runs with or without the repository variable BINANCE_CASE_ID: unset, it passes no
    --case-id (``--case-id ""`` is refused, which failed every scheduled run)."""
    (step,) = [step for step in workflow()["jobs"]["live"]["steps"] if step.get("name", "").startswith("Live run")]
    assert step["env"]["CASE_ID"] == "${{ vars.BINANCE_CASE_ID }}"
    command = step["run"].replace("${{ matrix.origin }}", "github-ubuntu")
    script = f'pytest() {{ printf "%s\\n" "$@"; }}\n{command}'  # the arguments pytest would get, one a line
    ran = subprocess.run(["bash", "-c", script], env={"CASE_ID": case_id}, capture_output=True, text=True, timeout=30)
    assert ran.stdout.splitlines() == ["-m", "live", "--origin", "github-ubuntu", "--bundle", *given]


def test_publishing_the_history_is_optional_and_gets_only_the_pages_permissions() -> None:
    jobs = workflow()["jobs"]
    publish = jobs["publish"]
    assert publish["needs"] == ["history", "status"] and "vars.PUBLISH_HISTORY == 'true'" in publish["if"]
    assert publish["permissions"] == {"pages": "write", "id-token": "write"}
    assert "secrets." not in yaml.safe_dump(publish)  # it publishes the merged page, nothing else
    run = steps_text(publish)
    assert "actions/upload-pages-artifact" in run and "actions/deploy-pages" in run
    assert "mv site/history.html site/index.html" in run


def test_publishing_the_status_feed_is_optional_needs_its_own_secret_and_never_the_key() -> None:
    """docs/status-feed.md: the feed is the merchant's choice (a variable), its contributor ids need the status
    secret (the job stops without it), and the job that commits it never sees the API key."""
    status = workflow()["jobs"]["status"]
    assert status["needs"] == "live" and "vars.PUBLISH_STATUS == 'true'" in status["if"]
    assert status["permissions"] == {"contents": "write"}
    assert status["env"] == {"P2P_STATUS_SECRET": "${{ secrets.P2P_STATUS_SECRET }}"}
    assert "BINANCE_" not in yaml.safe_dump(status)
    run = steps_text(status)
    assert 'p2p-status publish "$summary" --out feed' in run and "git push origin HEAD:status-feed" in run
    assert 'if [ -z "$P2P_STATUS_SECRET" ]' in run


def test_the_community_page_template_aggregates_on_a_schedule_with_pages_permissions_only() -> None:
    template = yaml.safe_load((ROOT / "docs" / "community-status.yml").read_text())
    assert "schedule" in template[True] and template["permissions"] == {"contents": "read"}
    (job,) = template["jobs"].values()
    assert job["permissions"] == {"pages": "write", "id-token": "write"}
    assert "p2p-status aggregate feeds.txt --out site" in steps_text(job) and "secrets." not in yaml.safe_dump(job)
