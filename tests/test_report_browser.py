"""The HTML report renders in headless Chromium (``pytest -m browser``; needs Debian's chromium)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from catalog_facts import ENDPOINTS, READ_ONLY
from p2p_conformance.report.render_check import ROW, missing_parts, render

if TYPE_CHECKING:
    from conftest import EndpointSuite


@pytest.mark.browser
def test_july_9_report_renders_header_verdict_and_endpoint_tables(endpoint_suite: EndpointSuite) -> None:
    endpoint_suite.run("-m", "live", "--emulator", "--scenario", "july-9", "--case-id", "144098731")
    screenshot = endpoint_suite.reports / "live-report.png"
    dom = render(endpoint_suite.reports / "live-report.html", screenshot)
    assert missing_parts(dom) == []
    assert f"3 of {len(READ_ONLY)} read-only endpoints work" in dom and "144098731" in dom
    assert len(re.findall(ROW, dom)) == ENDPOINTS
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_render_check_reports_what_a_broken_report_lacks() -> None:
    assert missing_parts("<html><p id='c2c-verdict'>nothing</p></html>") == [
        "the verdict line",
        "the run header",
        "the control checks",
        "the timeline",
        "the endpoint table",
        "pytest-html's results table, filled by its script",
    ]
