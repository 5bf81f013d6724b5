"""Inputs a careless or hostile user (or whoever shares the machine) gives: planted links, names that break
files or pages, crafted histories, a run from the wrong folder. Each gets a clear line or a safe file, never a
traceback or a write where it should not go."""

from __future__ import annotations

from typing import TYPE_CHECKING

from p2p_conformance.report.files import REPORT_NAMES

if TYPE_CHECKING:
    from pathlib import Path

    from conftest import EndpointSuite

SOME = ("-k", "test_live and ads/getAds")


def test_a_link_planted_at_a_report_name_is_replaced_never_written_through(
    endpoint_suite: EndpointSuite, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    endpoint_suite.reports.mkdir(parents=True)
    for name in REPORT_NAMES:
        (outside / name).write_text("precious")
        (endpoint_suite.reports / name).symlink_to(outside / name)
    endpoint_suite.run("-m", "live", "--emulator", *SOME, "--bundle")
    assert {path.read_text() for path in outside.iterdir()} == {"precious"}
    for name in REPORT_NAMES:
        written = endpoint_suite.reports / name
        assert not written.is_symlink() and written.stat().st_size > 100, name
    assert len(list(endpoint_suite.reports.glob("*.zip"))) == 1
