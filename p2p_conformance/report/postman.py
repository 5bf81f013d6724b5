"""The run as a Postman collection (format v2.1) and its environment, for a support agent to replay.

One request per read-only endpoint of the last round, failing ones first, each as the suite sent
it: method, path, query parameters in order, headers, JSON body. The API key is ``{{apiKey}}``; a
collection-level pre-request script adds ``recvWindow``, ``timestamp`` and the HMAC-SHA256
``signature`` (Postman's CryptoJS) over the exact query string, last, as Binance's signed
endpoints ask (``recvWindow`` left out where the request lists it disabled: a call signed over
its parameters and timestamp alone). The environment names the target and leaves key and secret empty: the agent types
a key of their own. Nothing secret is in either file.
"""

from __future__ import annotations

from typing import Any

from p2p_conformance.model import EndpointRecord, Outcome, RunRecord, SentRequest
from p2p_conformance.report.summary import SIDE_WORDS, WORKS, shown_answer, target_words
from p2p_conformance.safety.text import inert_for_pages
from p2p_conformance.signer import API_KEY_HEADER, DEFAULT_RECV_WINDOW
from p2p_conformance.signer.env import DEFAULT_BASE_URL

SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
# Runs in Postman's sandbox (and newman) before every request of the collection.
SIGNING_SCRIPT = [
    "// Binance SIGNED endpoints: recvWindow, timestamp, then signature = HMAC-SHA256(secret, query string).",
    "const crypto = require('crypto-js');  // Postman's CryptoJS",
    "const secret = pm.variables.get('apiSecret');",
    "if (!secret || !pm.variables.get('apiKey')) {",
    "  throw new Error('Set apiKey and apiSecret in the environment (a test key of your own) first.');",
    "}",
    "const signing = ['recvWindow', 'timestamp', 'signature'];",
    "// A request with a disabled recvWindow parameter is signed over its parameters and timestamp alone.",
    "const withoutRecvWindow = pm.request.url.query.all().some((p) => p.key === 'recvWindow' && p.disabled);",
    "const pairs = pm.request.url.query.all()",
    "  .filter((p) => !p.disabled && !signing.includes(p.key))",
    "  .map((p) => [p.key, p.value == null ? '' : String(p.value)]);",
    "if (!withoutRecvWindow) {",
    f"  pairs.push(['recvWindow', String(pm.variables.get('recvWindow') || '{DEFAULT_RECV_WINDOW}')]);",
    "}",
    "pairs.push(['timestamp', String(Date.now())]);",
    "const encoded = pairs.map(([k, v]) => [encodeURIComponent(k), encodeURIComponent(v)]);",
    "const query = encoded.map(([k, v]) => k + '=' + v).join('&');",
    "const signature = crypto.HmacSHA256(query, secret).toString(crypto.enc.Hex);",
    "pm.request.url.query.clear();",
    "encoded.concat([['signature', signature]]).forEach(([k, v]) => pm.request.url.query.add({ key: k, value: v }));",
]


def _description(record: EndpointRecord) -> str:
    if record.outcome == Outcome.PASS:
        got = f"{WORKS}: HTTP {record.answer.http_status}"
    elif record.answer.http_status is None:
        got = f"{record.outcome.value}, no answer: {record.diagnosis}"
    else:
        got = f"{record.outcome.value}: {record.answer.text} (HTTP {record.answer.http_status})"
    lines = [
        f"What the suite got at {record.answer.at or 'no answer'} with {record.key_name} ({record.key_fingerprint}): "
        f"{got}.",
    ]
    if record.outcome != Outcome.PASS:
        lines.append(f"Conclusion, {SIDE_WORDS[record.side]}: {record.reasoning or record.diagnosis}")
    return "\n\n".join(lines)


def _item(record: EndpointRecord, several_keys: bool) -> dict[str, Any]:
    request = record.answer.request
    assert request is not None
    status = shown_answer(record.outcome, record.answer.text)
    key = f" [{record.key_name}]" if several_keys else ""
    return _request_item(f"{record.id}{key} ({status})", request, _description(record))


def _probe_items(run: RunRecord) -> list[dict[str, Any]]:
    """The other request shapes ``--probe`` sent, one item each (those the collection's script can sign:
    a form-body shape signs its body too, which the script does not)."""
    several = len(run.keys) > 1
    return [
        _request_item(
            f"{record.id}{f' [{record.key_name}]' if several else ''}: {found.shape} ({found.answer})",
            found.request,
            f"The suite sent this shape with --probe and got: {found.answer}.",
        )
        for record in run.ran()
        for found in record.answer.probes
        if found.request is not None
    ]


def inert(text: str) -> str:
    """``text`` as Postman cannot read a variable in it: every ``{{`` is broken up (``{ {``), and controls and
    bidirectional overrides are written as escapes.

    Postman substitutes ``{{name}}`` in a request's URL, headers and body from the environment, where the
    agent's key and secret are; a run's texts (names, answers, what was sent) are data and go through this."""
    text = inert_for_pages(text)
    while "{{" in text:
        text = text.replace("{{", "{ {")
    return text


def _request_item(name: str, request: SentRequest, description: str) -> dict[str, Any]:
    body = (
        {"body": {"mode": "raw", "raw": inert(request.body), "options": {"raw": {"language": "json"}}}}
        if request.body is not None
        else {}
    )
    path = inert(request.path)
    return {
        "name": inert(name),
        "request": {
            "method": request.method,
            "header": [{"key": API_KEY_HEADER, "value": "{{apiKey}}"}]
            + [{"key": inert(name), "value": inert(value)} for name, value in request.headers],
            "url": {
                "raw": "{{baseUrl}}" + path,
                "host": ["{{baseUrl}}"],
                "path": [part for part in path.split("/") if part],
                "query": [{"key": inert(name), "value": inert(value)} for name, value in request.query]
                + _recv_window_left_out(request),
            },
            **body,
            "description": inert(description),
        },
        "response": [],
    }


def _recv_window_left_out(request: SentRequest) -> list[dict[str, Any]]:
    """A disabled ``recvWindow`` parameter where the call was signed without it: the script then leaves it out."""
    if request.recv_window_signed:
        return []
    note = "Not sent: this call is signed over its parameters and timestamp alone."
    return [{"key": "recvWindow", "value": "", "disabled": True, "description": note}]


def replayable(run: RunRecord) -> list[EndpointRecord]:
    """The last round's read-only calls with a request, one per endpoint, failing ones first (a socket has no
    request: see the collection's description)."""
    chosen: dict[str, EndpointRecord] = {}
    for record in run.ran():
        if record.answer.request is not None and (record.id not in chosen or chosen[record.id].outcome == Outcome.PASS):
            chosen[record.id] = record
    return sorted(chosen.values(), key=lambda record: record.outcome == Outcome.PASS)


def _probe_folder(run: RunRecord) -> list[dict[str, Any]]:
    items = _probe_items(run)
    if not items:
        return []
    description = "Each failing endpoint in the other request shapes --probe sent (form-body shapes are left out)."
    return [{"name": "Other request shapes (--probe)", "description": description, "item": items}]


def _socket_notes(run: RunRecord) -> str:
    """How to open each socket the run checked, in Postman (a collection v2.1 cannot carry a WebSocket), and
    what the run got: the address's form, never the credential."""
    notes: list[str] = []
    checked = {record.id: (record, socket) for record in run.ran() if (socket := record.answer.socket) is not None}
    for record, socket in checked.values():  # one note per socket, whatever the number of keys
        got = shown_answer(record.outcome, record.answer.text)
        notes.append(
            f"{record.id} is a WebSocket, not a request of this collection: in Postman, open New > WebSocket at "
            f"{record.path}, each name in braces replaced by the value the credential "
            f"call of this collection answers (they are secrets of the account: never share them). In this run, "
            f"at {socket.url}: {got}."
        )
    return "".join(f"\n\n{inert(note)}" for note in notes)


def collection(run: RunRecord) -> dict[str, Any]:
    """The Postman collection (v2.1) of the run."""
    case = f" (case {run.case_id})" if run.case_id else ""
    target = f" against {words}" if (words := target_words(run)) is not None else ""
    return {
        "info": {
            "name": inert(f"Binance C2C conformance{case}, run {run.started_at}"),
            "description": (
                f"Every read-only C2C call of the run of {run.started_at}{target}, failing ones first, as the "
                "suite sent it. Import this file and live-postman-environment.json, type a key and its secret "
                "into the environment, and run: the collection's pre-request script signs each request."
            )
            + _socket_notes(run),
            "schema": SCHEMA,
        },
        "event": [{"listen": "prerequest", "script": {"type": "text/javascript", "exec": SIGNING_SCRIPT}}],
        "item": [_item(record, len(run.keys) > 1) for record in replayable(run)] + _probe_folder(run),
    }


def environment(run: RunRecord) -> dict[str, Any]:
    """The collection's environment: the run's target, its recvWindow, and an empty key and secret."""
    base_url = run.base_url or DEFAULT_BASE_URL
    return {
        "name": f"Binance C2C conformance, run {run.started_at}",
        "values": [
            {"key": "baseUrl", "value": base_url, "type": "default", "enabled": True},
            {"key": "apiKey", "value": "", "type": "secret", "enabled": True},
            {"key": "apiSecret", "value": "", "type": "secret", "enabled": True},
            {"key": "recvWindow", "value": str(run.recv_window), "type": "default", "enabled": True},
        ],
        "_postman_variable_scope": "environment",
    }
