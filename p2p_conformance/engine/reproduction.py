"""A request as sent, with nothing secret in it: in the seed case file's curl form, and as data."""

from __future__ import annotations

import re
import shlex
from urllib.parse import parse_qsl, urlsplit

import requests

from p2p_conformance.model import SentRequest
from p2p_conformance.signer import API_KEY_HEADER, SIGNING_PARAMS

PLACEHOLDERS = {"timestamp": "{timestamp}", "signature": "{signature}"}
SHOWN_HEADERS = (API_KEY_HEADER, "Content-Type", "clientType")


def redacted_url(url: str) -> str:
    """The URL with ``timestamp`` and ``signature`` values replaced by placeholders."""
    for name, placeholder in PLACEHOLDERS.items():
        url = re.sub(rf"([?&]{name}=)[^&]*", rf"\g<1>{placeholder}", url)
    return url


def curl_command(request: requests.PreparedRequest) -> str:
    """``curl --request POST '<url>' --header ... --data '<body>'`` with key, signature and timestamp as
    placeholders; without ``--location``: a signed request is never sent on to where a redirect points."""
    lines = [f"curl --request {request.method} {shlex.quote(redacted_url(request.url or ''))}"]
    for name in SHOWN_HEADERS:
        if name in request.headers:
            value = "{api_key}" if name == API_KEY_HEADER else request.headers[name]
            lines.append(f"--header {shlex.quote(f'{name}: {value}')}")
    if (body := _body_text(request)) is not None:
        lines.append(f"--data {shlex.quote(body)}")
    return " \\\n".join(lines)


def _body_text(request: requests.PreparedRequest) -> str | None:
    if not request.body:
        return None
    return request.body.decode("utf-8") if isinstance(request.body, bytes) else str(request.body)


def sent_request(request: requests.PreparedRequest) -> SentRequest:
    """The request's method, path, business parameters in order, headers and body; no key, no signature."""
    url = urlsplit(request.url or "")
    pairs = parse_qsl(url.query, keep_blank_values=True)
    query = tuple((name, value) for name, value in pairs if name not in SIGNING_PARAMS)
    headers = tuple((name, request.headers[name]) for name in SHOWN_HEADERS[1:] if name in request.headers)
    return SentRequest(
        method=request.method or "GET",
        path=url.path,
        query=query,
        headers=headers,
        body=_body_text(request),
        recv_window_signed=any(name == "recvWindow" for name, _ in pairs),
    )
