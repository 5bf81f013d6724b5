"""Cassettes: how requests are scrubbed and matched, and the refusal to write anything secret.

No secret lands in a cassette: the API key header, ``signature`` and ``timestamp`` are replaced
at record time, response bodies lose chat credentials and personal data, and before a cassette
is written the whole file is searched once more (vcrpy's filters have known holes, e.g. issues
517 and 983). Matching ignores what was scrubbed but compares method, path, the rest of the
query and the JSON body. ``drop_unused_requests`` is never used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from vcr.persisters.filesystem import FilesystemPersister
from vcr.request import Request as VcrRequest
from vcr.serialize import serialize

from p2p_conformance.safety.redaction import REDACTED, find_leaks, scrub_body
from signer import API_KEY_HEADER

MATCH_ON = ("method", "path", "query", "body")


class CassetteLeakError(RuntimeError):
    """A cassette about to be written still holds something secret; it was not written."""


def _replacing(replacements: Mapping[str, str]) -> Callable[[str], str]:
    def replace(text: str) -> str:
        for real, stand_in in replacements.items():
            text = text.replace(real, stand_in)
        return text

    return replace


def before_record_request(replacements: Mapping[str, str]) -> Callable[[VcrRequest], VcrRequest]:
    """Put placeholders back for real ids, so a recorded live call replays with the contract's example."""
    replace = _replacing(replacements)

    def scrub(request: VcrRequest) -> VcrRequest:
        request.uri = replace(request.uri)
        if isinstance(request.body, bytes):
            request.body = replace(request.body.decode("utf-8")).encode("utf-8")
        return request

    return scrub


def before_record_response(replacements: Mapping[str, str]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    replace = _replacing(replacements)

    def scrub(response: dict[str, Any]) -> dict[str, Any]:
        body = response["body"].get("string")
        if isinstance(body, bytes):
            scrubbed = replace(scrub_body(body.decode("utf-8", errors="replace"))).encode("utf-8")
            response["body"]["string"] = scrubbed
            for name in response["headers"]:
                if name.lower() == "content-length":
                    response["headers"][name] = [str(len(scrubbed))]
        return response

    return scrub


def vcr_config(replacements: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The cassette configuration shared by replay, live recording and the emulator recorder."""
    replacements = dict(replacements or {})
    return {
        "filter_headers": [(API_KEY_HEADER, REDACTED), ("User-Agent", None)],
        "filter_query_parameters": [("signature", REDACTED), ("timestamp", "0")],
        "before_record_request": before_record_request(replacements),
        "before_record_response": before_record_response(replacements),
        "decode_compressed_response": True,
        "match_on": MATCH_ON,
    }


class RefusingPersister:
    """Writes cassettes like vcrpy's own persister, but refuses one that still holds a secret."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = tuple(secret for secret in secrets if secret)

    def __repr__(self) -> str:
        return f"RefusingPersister({len(self.secrets)} secrets)"

    @staticmethod
    def load_cassette(cassette_path: Any, serializer: Any) -> Any:
        return FilesystemPersister.load_cassette(cassette_path, serializer)

    def save_cassette(self, cassette_path: Any, cassette_dict: Any, serializer: Any) -> None:
        leaks = find_leaks(serialize(cassette_dict, serializer), self.secrets)
        if leaks:
            raise CassetteLeakError(f"refused to write {Path(cassette_path).name}: it holds {', '.join(leaks)}")
        FilesystemPersister.save_cassette(cassette_path, cassette_dict, serializer)
