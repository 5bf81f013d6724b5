"""``python3 .ci/changelog_section.py VERSION``: CHANGELOG.md's section for VERSION (its heading's line left out),
for the release's notes; exits 1 with one line when the changelog has none."""

from __future__ import annotations

import re
import sys
from pathlib import Path

CHANGELOG = Path(__file__).resolve().parents[1] / "CHANGELOG.md"


def section(version: str, text: str) -> str | None:
    """The body under ``## [VERSION]`` up to the next ``## `` heading, or None."""
    found = re.search(rf"^## \[{re.escape(version)}\][^\n]*\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    return found.group(1).strip() + "\n" if found else None


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write("give the version, e.g. 0.1.0\n")
        return 2
    body = section(argv[0], CHANGELOG.read_text(encoding="utf-8"))
    if body is None:
        sys.stderr.write(f"CHANGELOG.md has no section ## [{argv[0]}]: write what it changed for users first\n")
        return 1
    sys.stdout.write(body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
