"""Reading a report's story chart back as a reader sees it: each lane's label and its cells' texts."""

from __future__ import annotations

import html
import re

LANE = re.compile(r'<g class="c2c-lane">(.*?)</g>(?=<g class="c2c-lane">|</svg>)', re.S)
LABEL = re.compile(r'<text class="c2c-chart-label"[^>]*>(.*?)</text>', re.S)
CELL_TEXT = re.compile(r"<rect [^>]*></rect><text [^>]*>(.*?)</text>", re.S)


def lane_texts(page: str) -> dict[str, list[str]]:
    """The chart's lanes as drawn: by label, its cells' texts left to right (an empty cell is "")."""
    found = {}
    for lane in LANE.findall(page):
        label = LABEL.search(lane)
        assert label is not None, lane[:200]
        found[html.unescape(label.group(1))] = [html.unescape(cell) for cell in CELL_TEXT.findall(lane)]
    return found
