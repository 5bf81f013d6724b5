"""What every output of a run shows, computed once per render from the run's record: the verdict, the story and
the case's endpoints as the pages show them. Each output (:mod:`.outputs`) is handed the same view."""

from __future__ import annotations

from dataclasses import dataclass

from p2p_conformance.model import RunRecord
from p2p_conformance.report.story import StoryLine, observations, shown_focus, story
from p2p_conformance.report.summary import SupportReport, Verdict, verdict


@dataclass(frozen=True)
class ReportView:
    """A run's record and recent history (``report``), with what follows from them once."""

    report: SupportReport
    verdict: Verdict
    story: tuple[StoryLine, ...]
    focus: tuple[str, ...]  # the case's endpoints as the pages show them (a focused credential's socket after it)

    @property
    def run(self) -> RunRecord:
        return self.report.run

    @classmethod
    def of(cls, report: SupportReport) -> ReportView:
        run = report.run
        focus = shown_focus(run)
        return cls(report, verdict(run), tuple(story(observations(run), run.focus, focus)), focus)
