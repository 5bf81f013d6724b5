"""What the terminal shows last: the verdict block, where the report is, and where the run's time went."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from p2p_conformance.report.html import HTML_NAME
from p2p_conformance.report.markdown import SUMMARY_MD_NAME
from p2p_conformance.report.status_feed import beside_failures
from p2p_conformance.report.story import round_sentences, tells_a_story
from p2p_conformance.report.summary import failures_by_conclusion, heading, plural, target_words
from p2p_conformance.report.view import ReportView

TERMINAL_NAMES = 4  # endpoints named per conclusion line; the rest are counted


def verdict_block(view: ReportView, *, report_dir: Path, history_db: Path, notes: Sequence[str] = ()) -> list[str]:
    """The story (one line per round and key, when there are several), the verdict, its proof, one line
    per conclusion, the notes and changes, and where the report is: the terminal as one more output of the view."""
    run, found = view.run, view.verdict
    story = round_sentences(list(view.story))
    lines = [f"Target: {target}" for target in [target_words(run)] if target is not None]
    lines += [f"Story: {sentence}" for sentence in story] if tells_a_story(run) else []
    lines += [f"{found.count} {found.headline}", *(f"  Proof: {line}" for line in found.proof)]
    several = len(run.keys) > 1
    diagnoses = set()
    for side, groups in failures_by_conclusion(run).items():
        for diagnosis, records in groups.items():
            codes = ", ".join(dict.fromkeys(r.answer.text for r in records))
            names = ", ".join(r.id + (f" [{r.key_name}]" if several else "") for r in records[:TERMINAL_NAMES])
            more = len(records) - TERMINAL_NAMES
            lines.append(
                f"  {heading(side)}, {plural(len(records), 'endpoint')} ({codes}): {names}"
                + (f" and {more} more" if more > 0 else "")
            )
            lines.append(f"    {diagnosis}")
            diagnoses.add(diagnosis)
    lines += [f"  {line}" for line in found.findings if line not in diagnoses]  # a probe's finding is said once
    lines += [f"  Others, same hour: {endpoint}: {others}" for endpoint, _, others in beside_failures(run, view.focus)]
    lines += [f"  Note: {note}" for note in found.notes]
    lines += [f"  {change}" for change in run.changes]
    lines += [f"  {note}" for note in notes]
    lines.append(
        f"Report: {report_dir / HTML_NAME} (without a browser: {SUMMARY_MD_NAME}, the same case as text for the "
        f"ticket; also .txt, live-summary.json, live-junit.xml); history: {history_db}"
    )
    return lines


def network_line(*, calls: int, seconds: float, how: str, run_seconds: float, answered: bool = True) -> str:
    """Where the run's time went: its calls and how long at least one was on the network, and whether no
    endpoint's call got an answer (the terminal's last line says so, like the verdict's first words)."""
    none = "" if answered else " (no endpoint answered)"
    return (
        f"Network: {plural(calls, 'call')}{none} in {seconds:.2f} s with a call on the network ({how}), "
        f"of a {run_seconds:.2f} s run"
    )
