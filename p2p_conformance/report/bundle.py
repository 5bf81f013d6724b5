"""One evidence bundle per ticket: ``reports/case-<case id>-<UTC time>.zip``.

It holds the report files of the run (the support page, pytest-html's page of the same run, the JSON, the
Markdown, JUnit XML, the Postman collection and its environment), the history page when a history exists, a
cassette of each failing call (the exchange as sent and answered, scrubbed, in vcrpy's format, so it replays
offline), a ``README.txt`` saying what each file is and what ``SHA256SUMS`` proves, and ``SHA256SUMS`` over all
of them (``sha256sum -c`` verifies an unzipped bundle). Every link of its pages resolves inside it. Every file is
checked for the run's secrets before it goes in.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml

from p2p_conformance.errors import FileError
from p2p_conformance.model import EndpointRecord, Outcome, RunRecord
from p2p_conformance.report.files import file_stamp
from p2p_conformance.report.history import HistoryError
from p2p_conformance.report.history_report import render_history
from p2p_conformance.safety.cassettes import SCRUBBED_QUERY
from p2p_conformance.safety.redaction import REDACTED, find_leaks
from p2p_conformance.safety.writing import replace_file
from p2p_conformance.signer import API_KEY_HEADER

CHECKSUMS_NAME = "SHA256SUMS"
HISTORY_PAGE = "history.html"
REQUESTS_NAME = "requests.jsonl"
README_NAME = "README.txt"
README = """This bundle holds one live run of p2p-conformance (case {case}, started {started} UTC), made by the
merchant for Binance support.

Open live-report.html first: the verdict, the evidence, and each call with its time, its answer and how it was
sent. Beside it: pytest-report.html (every test of the run), {history}live-summary.json (the run's record, which
the pages are rendered from), live-summary.md (the ticket text), live-junit.xml (the conclusions for CI systems),
live-postman.json and live-postman-environment.json (every call as a Postman request, to send again with the
key), and cassettes/ (each failing call as sent and answered, replayable offline; key and signature removed).
run.html plays the run's terminal as it happened, with its real timing, in the browser (nothing to install;
the recording is run.cast, asciicast v2: `asciinema play run.cast` in a terminal).

SHA256SUMS: `sha256sum -c SHA256SUMS` in the unzipped folder shows that no file changed since the bundle was
made. It does not show who made it, nor that Binance answered so: the merchant computed it. Binance's own logs
are that proof: each call's time (UTC, to the millisecond), path and answer are in live-report.html, so support
can find every request on Binance's side.
"""
SENT_README = """
requests.jsonl (--verifiable): every request of the run exactly as it went out, one JSON object a line: when
it was sent (UTC, to the millisecond), the method, host, path, the whole query with its real timestamp and
signature, the body, the headers ({key}) and the HTTP status that came back. Binance holds the key's secret: it
can recompute each signature (HMAC-SHA256 of the query up to its signature parameter, and of a form body; a
JSON body is not signed) and find each request in its logs. Safe to hand over: each call is read-only, its
timestamp is long outside any recvWindow (at most 60 s), so Binance refuses it if sent again, and a signature
reveals nothing of the secret.
"""
FIXED_TIME = (2026, 1, 1, 0, 0, 0)  # zip entries' time: the same run gives the same bytes


class BundleLeakError(FileError, RuntimeError):
    """A file of the bundle held a secret: no bundle was written (the message names the file, not the secret)."""


@dataclass(frozen=True)
class SentRequests:
    """``--verifiable``: the run's requests as sent (``requests.jsonl``), and the API keys the merchant asked to
    show in full in it (``--verifiable-with-key``; no other file may hold them). Its ``repr`` shows neither."""

    text: str = field(repr=False)
    allowed: tuple[str, ...] = field(default=(), repr=False)


def bundle_name(run: RunRecord) -> str:
    case = re.sub(r"[^A-Za-z0-9_-]", "_", run.case_id or "no-case-id")
    return f"case-{case}-{file_stamp(run.started_at)}.zip"


def _cassette(record: EndpointRecord, base_url: str, recv_window: int) -> dict[str, Any]:
    """The failing call in vcrpy's cassette format: key and signature redacted, timestamp 0, as the
    suite's own cassettes (``safety.cassettes``), so ``pytest -k test_replay --cassette-dir=...`` replays it."""
    request = record.answer.request
    assert request is not None
    window = [("recvWindow", str(recv_window))] if request.recv_window_signed else []  # as the call was signed
    signing = [*window, *SCRUBBED_QUERY]
    headers = {API_KEY_HEADER: [REDACTED], **{name: [value] for name, value in request.headers}}
    answered = {"Content-Type": ["application/json"]} | {
        name: [value] for name, value in record.answer.rate_limit_headers.items()
    }
    return {
        "interactions": [
            {
                "request": {
                    "body": request.body,
                    "headers": headers,
                    "method": request.method,
                    "uri": f"{base_url}{request.path}?{urlencode([*request.query, *signing])}",
                },
                "response": {
                    "body": {"string": record.answer.body},
                    "headers": answered,
                    "status": {"code": record.answer.http_status, "message": ""},
                },
            }
        ],
        "version": 1,
    }


def _cassette_folder(run: RunRecord) -> dict[str, str]:
    """``cassettes/`` for a run of one key; with several, a folder per key, named by its label (made safe
    as a file name, and told apart when two labels come out the same)."""
    if len(run.keys) < 2:
        return {key.name: "cassettes" for key in run.keys}
    folders: dict[str, str] = {}
    for number, key in enumerate(run.keys, start=1):
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", key.name)[:60].lstrip(".") or f"key{number}"
        folders[key.name] = (
            f"cassettes/{safe}" if f"cassettes/{safe}" not in folders.values() else f"cassettes/{safe}-{number}"
        )
    return folders


def failing_cassettes(run: RunRecord) -> dict[str, str]:
    """``cassettes/<endpoint id>.yaml`` (``cassettes/<key>/<endpoint id>.yaml`` with several keys) -> its text,
    for each call of the last round that was answered and failed."""
    base_url = run.base_url or ""
    folders = _cassette_folder(run)
    return {
        f"{folders.get(record.key_name, 'cassettes')}/{record.id}.yaml": yaml.safe_dump(
            _cassette(record, base_url, run.recv_window), sort_keys=False
        )
        for record in run.last_round
        if record.outcome == Outcome.FAIL
        and record.answer.request is not None
        and record.answer.http_status is not None
    }


def write_bundle(
    run: RunRecord,
    report_files: list[Path],
    secrets: Iterable[str],
    history_db: Path | None = None,
    sent: SentRequests | None = None,
) -> Path:
    """Write the bundle beside the report files (with the history page of ``history_db`` when it holds runs, and
    ``requests.jsonl`` with ``sent``); raises :class:`BundleLeakError` rather than bundle a secret."""
    secrets = tuple(secrets)
    contents = {path.name: path.read_bytes() for path in report_files if path.exists()}
    history = _history_page(history_db, run.focus) if history_db is not None else None
    if history is not None:
        contents[HISTORY_PAGE] = history.encode("utf-8")
    readme = README.format(
        case=run.case_id or "not given",
        started=run.started_at.replace("T", " ").removesuffix("Z"),
        history=f"{HISTORY_PAGE} (every run the history holds, per endpoint and key), " if history else "",
    )
    if sent is not None:
        readme += SENT_README.format(key="the API key in full" if sent.allowed else "the API key as its fingerprint")
    contents[README_NAME] = readme.encode("utf-8")
    contents |= {name: text.encode("utf-8") for name, text in failing_cassettes(run).items()}
    for name, data in contents.items():
        if leaks := find_leaks(data.decode("utf-8", errors="replace"), secrets, key_like=False):
            raise BundleLeakError(f"no bundle written: {name} holds {', '.join(leaks)}")
    if sent is not None:  # signatures on purpose; never a secret, nor a key the merchant did not ask to show
        hidden = [text for text in secrets if text not in sent.allowed]
        if leaks := [f"a known secret ({text[:4]}...)" for text in hidden if text in sent.text]:
            raise BundleLeakError(f"no bundle written: {REQUESTS_NAME} holds {', '.join(leaks)}")
        contents[REQUESTS_NAME] = sent.text.encode("utf-8")
    contents[CHECKSUMS_NAME] = "".join(
        f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(contents.items())
    ).encode("ascii")
    target = report_files[0].parent / bundle_name(run)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            archive.writestr(zipfile.ZipInfo(name, FIXED_TIME), data, zipfile.ZIP_DEFLATED)
    replace_file(target, buffer.getvalue())
    return target


def _history_page(history_db: Path, focus: Iterable[str]) -> str | None:
    """The history report of the run's history file, or None when there is none to read."""
    try:
        return render_history([history_db], focus=list(focus))
    except HistoryError:  # no history, or one that cannot be read: the bundle goes without its page
        return None
