"""``p2p-render-check reports/live-report.html``: open the report in headless
Chromium and check that the header, the verdict and the endpoint tables render.

Needs Debian's ``chromium`` (``apt-get install chromium``). ``--screenshot FILE`` also saves a PNG.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
# Flags for a closed network: without the background-networking ones Chromium keeps dialling out.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
ROW = r'<tbody class="results-table-row \w+" id="'  # a row the report's script rendered
EXPECTED = {
    "the verdict line": r'<p id="c2c-verdict"><strong>\d+ of \d+ read-only endpoint',
    "the run header": r'<table id="c2c-run">.*?Run \(UTC\).*?Target.*?API key.*?Case.*?Clock offset',
    "the control checks": r'<section id="c2c-controls"[^>]*>.*?Signature self-check',
    "the timeline": r'<section id="c2c-timeline"[^>]*>.*?<td class="c2c-trend">',
    "the endpoint table": r'<section id="c2c-endpoints"[^>]*>.*?<td>(GET|POST) /sapi/v1/c2c/',
    "pytest-html's results table, filled by its script": ROW,
}


def find_browser() -> str:
    for name in BROWSERS:
        if found := shutil.which(name):
            return found
    raise FileNotFoundError("Chromium was not found: install it (apt-get install chromium) and run again")


def render(report: Path, screenshot: Path | None = None) -> str:
    """The DOM of ``report`` after its scripts ran (and a screenshot, if asked)."""
    browser = find_browser()
    with tempfile.TemporaryDirectory() as profile:
        common = [browser, *FLAGS, f"--user-data-dir={profile}", "--window-size=1400,2000"]
        url = report.resolve().as_uri()
        dom = subprocess.run([*common, "--dump-dom", url], capture_output=True, text=True, timeout=120, check=True)
        if screenshot is not None:
            subprocess.run([*common, f"--screenshot={screenshot}", url], capture_output=True, timeout=120, check=True)
    return dom.stdout


def missing_parts(dom: str) -> list[str]:
    return [name for name, pattern in EXPECTED.items() if not re.search(pattern, dom, flags=re.S)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="p2p-render-check", description=__doc__)
    parser.add_argument("report", type=Path, help="the HTML report, e.g. reports/live-report.html")
    parser.add_argument("--screenshot", type=Path, help="also save a PNG here (keep it out of git)")
    args = parser.parse_args(argv)
    try:
        missing = missing_parts(render(args.report, args.screenshot))
    except (FileNotFoundError, subprocess.SubprocessError) as error:
        sys.stderr.write(f"render check: {error}\n")
        return 2
    for name in missing:
        sys.stderr.write(f"render check: {args.report} does not show {name}\n")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
