"""``p2p-render-check reports/live-report.html``: open the report in headless Chromium, as a support
agent would at 1280 px, and check what the first screen shows.

Needs Debian's ``chromium`` (``apt-get install chromium``). ``--screenshot FILE`` also saves the
first screen as a PNG (the README's picture is ``docs/first-screen.png``, made this way).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
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
    "--hide-scrollbars",
)
SCREEN = (1280, 900)  # the support agent's first screen
FIRST_SCREEN_IDS = ("c2c-run", "c2c-verdict", "c2c-summary")  # and c2c-focus, c2c-banner where present
# A run of several rounds or keys: its first screen holds the header, the verdict for the case, every round of
# the story and the chart's start (its top; the chart ends within the second screen).
STORY_SCREENS = {"c2c-run": 1, "c2c-verdict": 1, "c2c-story-lines": 1, "c2c-story": 2, "c2c-summary": 2}
STORY_STARTS = {"c2c-story-chart": 1}
# The history report (p2p-history-report) tells the story on its first screen, chart included.
HISTORY_SCREENS = {"c2c-run": 1, "c2c-story-lines": 1, "c2c-story-chart": 1}
HISTORY_EXPECTED = {
    "the case, target and keys": r'<table id="c2c-run">.*?Case.*?Target.*?Keys',
    "the story's lines": r'<ul id="c2c-story-lines"><li>',
    "the chart": r'<svg id="c2c-story-chart"[^>]*>.*?class="c2c-lane"',
}
EXPECTED = {
    "the verdict line": (  # after what a partial or interrupted run says first
        r'<p id="c2c-verdict"><strong>(A partial run \(.*?\): .*? concluded\. )?(This run was interrupted [^.]*\. )?'
        r"(In the last round \([^)]*\): )?(\d+ of \d+ (of the case|read-only)|No endpoint was answered)"
    ),
    "the run header": r'<table id="c2c-run">.*?Case.*?Target.*?Run \(UTC\).*?API key.*?Clock',
    "the control checks": r'<section id="c2c-controls"[^>]*>.*?Signature self-check',
    "the evidence": r'<section id="c2c-evidence"[^>]*>.*?Binance recognised the key',
    "the timeline": r'<section id="c2c-timeline"[^>]*>.*?(<td class="c2c-trend">|no run of the history bears)',
    "the endpoint table": r'<section id="c2c-endpoints"[^>]*>.*?<td>(GET|POST) \w',
    "the link to pytest-html's page of the same run": r'<p id="c2c-pytest-page"[^>]*>.*?<a href="pytest-report.html">',
}
# Loads the report in a frame of the screen's size and writes what it measured into the page.
MEASURING_PAGE = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="report" src="{url}" style="width:{width}px;height:{height}px;border:0"></iframe>
<script>
document.getElementById("report").addEventListener("load", () => {{
  const page = document.getElementById("report").contentDocument;
  const root = page.documentElement;
  const bottoms = {{}};
  const tops = {{}};
  for (const element of page.querySelectorAll("[id^=c2c-]")) {{
    bottoms[element.id] = element.getBoundingClientRect().bottom;
    tops[element.id] = element.getBoundingClientRect().top;
  }}
  const layout = {{scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, scrollHeight: root.scrollHeight,
                  bottoms: bottoms, tops: tops, text: page.body.innerText}};
  const out = document.createElement("pre");
  out.id = "layout";
  out.textContent = JSON.stringify(layout);
  document.body.appendChild(out);
}});
</script></body></html>"""


@dataclass(frozen=True, kw_only=True)
class Layout:
    """The report as laid out at one screen size."""

    scroll_width: int
    client_width: int
    scroll_height: int
    bottoms: dict[str, float]  # each c2c-* element's bottom edge, in pixels from the top
    tops: dict[str, float]  # and its top edge
    text: str  # what a reader sees, as text

    @property
    def screens(self) -> float:
        return self.scroll_height / SCREEN[1]

    def misplaced(self) -> list[str]:
        """The elements that end below the screen they belong on (the first, or for a story the second)."""
        if "c2c-history" in self.bottoms:
            screens = dict(HISTORY_SCREENS)
        elif "c2c-story" in self.bottoms:
            screens = dict(STORY_SCREENS)
        else:
            optional = (name for name in ("c2c-focus", "c2c-banner") if name in self.bottoms)
            screens = dict.fromkeys((*FIRST_SCREEN_IDS, *optional), 1)
        story = "c2c-story" in self.bottoms and "c2c-history" not in self.bottoms
        starts = [name for name in STORY_STARTS if story and name in self.tops]  # a chart is drawn when it has lanes
        return [
            f"{name} ends below the {'first' if screen == 1 else 'second'} screen"
            for name, screen in screens.items()
            if self.bottoms.get(name, float("inf")) > screen * SCREEN[1]
        ] + [
            f"{name} starts below the first screen" for name in starts if self.tops.get(name, float("inf")) > SCREEN[1]
        ]


def find_browser() -> str:
    for name in BROWSERS:
        if found := shutil.which(name):
            return found
    raise FileNotFoundError("Chromium was not found: install it (apt-get install chromium) and run again")


def _browser(profile: str, *arguments: str) -> str:
    command = [find_browser(), *FLAGS, f"--user-data-dir={profile}", f"--window-size={SCREEN[0]},{SCREEN[1]}"]
    return subprocess.run([*command, *arguments], capture_output=True, text=True, timeout=120, check=True).stdout


def render(report: Path, screenshot: Path | None = None) -> str:
    """The DOM of ``report`` after its scripts ran (and a screenshot of the first screen, if asked)."""
    url = report.resolve().as_uri()
    with tempfile.TemporaryDirectory() as profile:
        dom = _browser(profile, "--dump-dom", url)
        if screenshot is not None:
            _browser(profile, f"--screenshot={screenshot.resolve()}", url)
    return dom


def measure(report: Path) -> Layout:
    """How ``report`` lays out on the support agent's screen (1280 x 900)."""
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "measure.html"
        page.write_text(
            MEASURING_PAGE.format(url=report.resolve().as_uri(), width=SCREEN[0], height=SCREEN[1]), encoding="utf-8"
        )
        dom = _browser(folder, "--allow-file-access-from-files", "--dump-dom", page.as_uri())
    found = re.search(r'<pre id="layout">(.*?)</pre>', dom, flags=re.S)
    if found is None:
        raise RuntimeError(f"{report} could not be measured: the browser did not lay it out")
    data = json.loads(found.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
    return Layout(
        scroll_width=data["scrollWidth"],
        client_width=data["clientWidth"],
        scroll_height=data["scrollHeight"],
        bottoms=data["bottoms"],
        tops=data["tops"],
        text=data["text"],
    )


def missing_parts(dom: str) -> list[str]:
    """What the page lacks of a live report's parts (of a history report's, for ``p2p-history-report``'s page)."""
    expected = HISTORY_EXPECTED if 'id="c2c-history"' in dom else EXPECTED
    return [name for name, pattern in expected.items() if not re.search(pattern, dom, flags=re.S)]


def layout_problems(layout: Layout, max_screens: float) -> list[str]:
    """What a support agent would meet: sideways scroll, first-screen facts below the fold, a long page."""
    problems = []
    if layout.scroll_width > layout.client_width:
        problems.append(f"scrolls sideways at {SCREEN[0]} px ({layout.scroll_width} px wide)")
    problems += layout.misplaced()
    if layout.screens > max_screens:
        problems.append(f"is {layout.screens:.1f} screens tall (at most {max_screens})")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="p2p-render-check", description=__doc__)
    parser.add_argument(
        "report", type=Path, help="the HTML report, e.g. reports/live-report.html (or p2p-history-report's page)"
    )
    parser.add_argument("--screenshot", type=Path, help="also save the first screen as a PNG here")
    parser.add_argument("--max-screens", type=float, default=10, help="how tall the page may be, in screens")
    args = parser.parse_args(argv)
    try:
        problems = [f"does not show {name}" for name in missing_parts(render(args.report, args.screenshot))]
        problems += layout_problems(measure(args.report), args.max_screens)
    except (FileNotFoundError, RuntimeError, subprocess.SubprocessError) as error:
        sys.stderr.write(f"render check: {error}\n")
        return 2
    for problem in problems:
        sys.stderr.write(f"render check: {args.report} {problem}\n")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
