"""Writing the report files: JSON for machines, then, from that JSON alone, every output of :mod:`.outputs` (the
support page, the Markdown for a ticket, the Postman collection, JUnit XML); timestamped copies of all.

Every file is checked before it is left on disk: the key and secret in use, or a signature,
found in it is replaced, and the run is told so (see :func:`guard_file`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from p2p_conformance.model import EndpointRecord, TargetKind
from p2p_conformance.report.html import PYTEST_HTML_NAME
from p2p_conformance.report.outputs import OUTPUTS
from p2p_conformance.report.summary import read_summary, row_json
from p2p_conformance.report.view import ReportView
from p2p_conformance.safety.redaction import find_leaks, redact_data, redact_text
from p2p_conformance.safety.writing import json_text, replace_file, replace_files

JSON_NAME = "live-summary.json"
REPORT_NAMES = (JSON_NAME, *(output.name for output in OUTPUTS))  # the suite's files: the record, then its renders
WRITTEN_NAMES = (*REPORT_NAMES, PYTEST_HTML_NAME)  # and pytest-html's page: every file a live run leaves
EMULATOR_REPORTS = "emulator"  # the folder of reports/ where emulator runs keep their reports and history, apart
NOT_BINANCE_REPORTS = "not-binance"  # and runs against an address none of Binance's (a mock, a proxy, a testnet)
REPORTS_OF = {
    TargetKind.BINANCE: "",
    TargetKind.EMULATOR: EMULATOR_REPORTS,
    TargetKind.NOT_BINANCE: NOT_BINANCE_REPORTS,
}


def file_stamp(started_at: str) -> str:
    """``2026-11-24T06:10:35.123Z`` as ``20261124T061035123Z``: a run's time in file names."""
    return re.sub(r"[^0-9TZ]", "", started_at)


def guard_file(path: Path, secrets: Iterable[str]) -> list[str]:
    """Replace anything secret left in ``path``; returns what was found (empty when clean).

    A JSON file is redacted as data and written again (it stays valid JSON); other files as text.
    """
    text = path.read_text(encoding="utf-8")
    leaks = find_leaks(text, secrets, key_like=False)
    if not leaks:
        return []
    if path.suffix == ".json":
        redacted = json_text(redact_data(json.loads(text), secrets))
    else:
        redacted = redact_text(text, secrets)
    replace_file(path, redacted)
    return leaks


def _write_observations(folder: Path, suffix: str, documents: dict[str, dict[str, object]]) -> list[Path]:
    """``folder/<endpoint id><suffix>``, one JSON document each: what a run observed, for a contract update."""
    written = []
    for endpoint, document in documents.items():
        path = folder / f"{endpoint}{suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_file(path, json.dumps(document, indent=2) + "\n")
        written.append(path)
    return written


def write_observed(records: list[EndpointRecord], folder: Path) -> list[Path]:
    """``contracts/observed/<endpoint id>.json``: the shape a drifting answer had, for a contract update."""
    shapes: dict[str, dict[str, object]] = {
        record.id: {
            "endpoint": record.id,
            "observed_at": record.answer.at,
            "drift": list(record.answer.drift),
            "data": record.answer.observed,
        }
        for record in records
        if record.answer.observed is not None
    }
    return _write_observations(folder, ".json", shapes)


def write_variants(records: list[EndpointRecord], folder: Path) -> list[Path]:
    """``contracts/observed/<endpoint id>.variant.json``: a request shape Binance accepted where the contract's
    was refused (``--probe``), to send back as a contract update."""
    variants: dict[str, dict[str, object]] = {
        record.id: {
            "endpoint": record.id,
            "observed_at": record.answer.at,
            "refused_as_the_contract_says": record.answer.text,
            "accepted_shapes": [found.shape for found in accepted],
            "fixes": [found.fix for found in accepted if found.fix],
            "findings": [found.difference(record.id, record.answer.text) for found in accepted],
        }
        for record in records
        if (accepted := [found for found in record.answer.probes if found.accepted])
    }
    return _write_observations(folder, ".variant.json", variants)


def rendered(summary: str) -> dict[str, str]:
    """Every output's file (:data:`~.outputs.OUTPUTS`), by name, rendered from the text of ``live-summary.json``
    alone, each from the same view (raises :class:`~p2p_conformance.report.summary.SummaryError`)."""
    view = ReportView.of(read_summary(json.loads(summary)))
    return {output.name: output.render(view) for output in OUTPUTS}


def run_json(view: ReportView) -> dict[str, Any]:
    """``live-summary.json``: the run for machines (the first key's facts also at the top level; every key's
    fingerprint in ``key_fingerprint``, in the keys' order), with its verdict and story as ``view`` has them, round
    by round and key by key, and the recent history of its endpoints that the page's timeline shows."""
    run, found = view.run, view.verdict
    first = run.keys[0] if run.keys else None
    first_facts = first.to_dict() if first else {}
    return {
        **run.to_dict(),
        "base_url": run.base_url,
        "key_fingerprint": [key.fingerprint for key in run.keys],
        "key_type": first_facts.get("key_type"),
        "clock_offset_ms": first_facts.get("clock_offset_ms"),
        "verdict": found.text,
        "proof": list(found.proof),
        "notes": list(found.notes),
        "controls": first_facts.get("controls", []),
        "story": [line.to_dict() for line in view.story],
        "timeline": [row_json(row) for rows in view.report.timeline.values() for row in rows],
    }


def write_report_files(view: ReportView, report_dir: Path) -> list[Path]:
    """``live-summary.json`` from the run's view, then every other report file rendered from that JSON alone: what
    a page shows is in the JSON, and ``p2p-report`` renders the same files again from it."""
    report_dir.mkdir(parents=True, exist_ok=True)
    summary = json_text(run_json(view))
    texts = {JSON_NAME: summary, **rendered(summary)}
    replace_files({report_dir / name: texts[name] for name in REPORT_NAMES})  # all or none (a full disk)
    return [report_dir / name for name in REPORT_NAMES]


def keep_timestamped_copies(paths: list[Path], started_at: str) -> None:
    """``live-report.html`` is also kept as ``live-report-20261124T061035Z.html``, and so on."""
    stamp = file_stamp(started_at)
    for path in paths:
        if path.exists():
            replace_file(path.with_name(f"{path.stem}-{stamp}{path.suffix}"), path.read_bytes())
