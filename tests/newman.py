"""Postman's own runner, newman (installed by ``npm ci --prefix tools/node``), replaying a collection."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

NEWMAN = Path(__file__).resolve().parents[1] / "tools" / "node" / "node_modules" / ".bin" / "newman"


def replay(
    collection: dict[str, Any], environment: dict[str, Any], folder: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    """Run ``collection`` with ``environment`` from ``folder`` (skipped where Node.js is not installed)."""
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed: newman, Postman's runner, needs it")
    assert NEWMAN.exists(), "newman is not installed: npm ci --prefix tools/node"
    (folder / "collection.json").write_text(json.dumps(collection))
    (folder / "environment.json").write_text(json.dumps(environment))
    return subprocess.run(
        [str(NEWMAN), "run", "collection.json", "-e", "environment.json", "--reporters", "cli", *extra],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def with_key(environment: dict[str, Any], api_key: str, secret: str) -> dict[str, Any]:
    """The environment as the support agent fills it in: a key of their own and its secret."""
    values = [
        {**value, "value": {"apiKey": api_key, "apiSecret": secret}.get(value["key"], value["value"])}
        for value in environment["values"]
    ]
    return {**environment, "values": values}
