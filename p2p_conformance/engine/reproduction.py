"""A reproduction of a request in the seed case file's curl form, with nothing secret in it."""

from __future__ import annotations

import re
import shlex

import requests

from signer import API_KEY_HEADER

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
    if request.body:
        body = request.body.decode("utf-8") if isinstance(request.body, bytes) else str(request.body)
        lines.append(f"--data {shlex.quote(body)}")
    return " \\\n".join(lines)
