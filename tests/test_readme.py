"""The README's signer example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_signer_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "received no ```python block in README.md, expected the signer example"
    exec(compile(blocks[0], str(README), "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "HmacKey(api_key='vmPU...Eh8A')"
    assert printed[1].startswith("tradeType=BUY&page=1&recvWindow=5000&timestamp=1499827319559&signature=")
