"""Cassettes: how requests are scrubbed and matched, and the refusal to write anything secret.

No secret lands in a cassette: the API key header, ``signature`` and ``timestamp`` are replaced
at record time, response bodies lose chat credentials and personal data, and before a cassette
is written the whole file is searched once more (vcrpy's filters have known holes, e.g. issues
517 and 983). Matching ignores what was scrubbed but compares method, path, the rest of the
query and the JSON body. ``drop_unused_requests`` is never used.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import yaml
from vcr.persisters.filesystem import FilesystemPersister
from vcr.request import Request as VcrRequest
from vcr.serialize import serialize

from p2p_conformance.contracts.loading import SAFE_LOADER
from p2p_conformance.errors import FileError
from p2p_conformance.safety.reading import read_bounded
from p2p_conformance.safety.redaction import REDACTED, find_leaks, scrub_body
from p2p_conformance.safety.text import one_line
from p2p_conformance.signer import API_KEY_HEADER, encode_query

MATCH_ON = ("method", "path", "query", "body")
SCRUBBED_QUERY = (("signature", REDACTED), ("timestamp", "0"))  # what a cassette keeps of the signing parameters
COMPACT, SPACED = (",", ":"), (", ", ": ")  # json.dumps separators: the signer's JSON body; scrub_body's


class CassetteLeakError(FileError, RuntimeError):
    """A cassette about to be written still holds something secret; it was not written."""


class UnsafeCassette(FileError, ValueError):
    """A cassette that is not plain YAML data (a ``!!python`` tag would run code in a YAML loader that allows it),
    or larger than a cassette: refused before vcrpy reads it."""


MAX_CASSETTE_BYTES = 50_000_000  # an answer is bounded at 1 MB; a cassette of them, well below this


def check_cassette(path: Path) -> None:
    """Read ``path`` once with YAML's safe loader, whatever loader vcrpy uses: a cassette from an untrusted pull
    request with ``!!python/object/apply:os.system`` is refused in one line, its content never printed."""
    try:
        data = read_bounded(
            path, MAX_CASSETTE_BYTES, lambda size: UnsafeCassette(f"cassette {path.name}: {size}, not a cassette")
        )
    except OSError as error:
        raise UnsafeCassette(
            f"cassette {path.name}: cannot be read ({error.strerror or type(error).__name__})"
        ) from None
    try:
        yaml.load(data, Loader=SAFE_LOADER)
    except yaml.YAMLError as error:
        problem = getattr(error, "problem", None) or "not YAML"
        raise UnsafeCassette(
            f"cassette {path.name}: not plain YAML data ({one_line(str(problem))[:120]}), refused before it is read"
        ) from None


def _placeholder_for(value: Any, replacements: Mapping[str, str]) -> Any:
    """The placeholder of a value that *is* a real id, of the same JSON type; any other value unchanged."""
    if isinstance(value, bool) or not isinstance(value, (str, int)) or str(value) not in replacements:
        return value
    placeholder = replacements[str(value)]
    return int(placeholder) if isinstance(value, int) and placeholder.isdigit() else placeholder


def _replace_values(value: Any, replacements: Mapping[str, str], keys: frozenset[str] | None) -> Any:
    """Parsed JSON with real ids put back to their placeholders: the values under the names in ``keys``,
    or (``keys`` None) every value that is one."""
    if isinstance(value, dict):
        return {
            key: _placeholder_for(item, replacements)
            if keys is not None and key in keys
            else _replace_values(item, replacements, keys)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_replace_values(item, replacements, keys) for item in value]
    return value if keys is not None else _placeholder_for(value, replacements)


def _replace_in_json(
    text: str, replacements: Mapping[str, str], separators: tuple[str, str], keys: frozenset[str] | None = None
) -> str:
    """A JSON text with real ids replaced as values (never as substrings); other text is left as it is.

    ``separators``: a request body keeps the signer's compact form (replay matches it byte for byte),
    a response body the scrubber's.
    """
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return text
    return json.dumps(_replace_values(document, replacements, keys), separators=separators, ensure_ascii=False)


def _replace_in_query(uri: str, replacements: Mapping[str, str], keys: frozenset[str]) -> str:
    """A URI whose id parameters (``keys``) carry the placeholder instead of the real id."""
    parts = urlsplit(uri)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if not any(name in keys and value in replacements for name, value in pairs):
        return uri
    query = encode_query([(name, replacements[value] if name in keys else value) for name, value in pairs])
    return urlunsplit(parts._replace(query=query))


def before_record_request(
    replacements: Mapping[str, str], id_params: frozenset[str]
) -> Callable[[VcrRequest], VcrRequest]:
    """Put placeholders back for real ids in the id parameters, so a recorded live call replays with the
    contract's example: as values, never as substrings (an id of ``5`` must not touch ``recvWindow=5000``)."""

    def scrub(request: VcrRequest) -> VcrRequest:
        request.uri = _replace_in_query(request.uri, replacements, id_params)
        if isinstance(request.body, bytes) and replacements and id_params:
            body = _replace_in_json(request.body.decode("utf-8"), replacements, COMPACT, id_params)
            request.body = body.encode("utf-8")
        return request

    return scrub


def before_record_response(replacements: Mapping[str, str]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Scrub personal data and credentials from a response body, and put placeholders back for real ids."""

    def scrub(response: dict[str, Any]) -> dict[str, Any]:
        body = response["body"].get("string")
        if isinstance(body, bytes):
            text = scrub_body(body.decode("utf-8", errors="replace"))
            scrubbed = (_replace_in_json(text, replacements, SPACED) if replacements else text).encode("utf-8")
            response["body"]["string"] = scrubbed
            for name in response["headers"]:
                if name.lower() == "content-length":
                    response["headers"][name] = [str(len(scrubbed))]
        return response

    return scrub


def vcr_config(replacements: Mapping[str, str] | None = None, id_params: Iterable[str] = ()) -> dict[str, Any]:
    """The cassette configuration shared by replay, live recording and the emulator recorder.

    ``replacements``: real id -> placeholder, for a live recording; ``id_params``: the request
    parameters that carry an id.
    """
    replacements = {real: stand_in for real, stand_in in (replacements or {}).items() if real != stand_in}
    return {
        "filter_headers": [(API_KEY_HEADER, REDACTED), ("User-Agent", None)],
        "filter_query_parameters": list(SCRUBBED_QUERY),
        "before_record_request": before_record_request(replacements, frozenset(id_params)),
        "before_record_response": before_record_response(replacements),
        "decode_compressed_response": True,
        "match_on": MATCH_ON,
    }


class RefusingPersister:
    """Writes cassettes like vcrpy's own persister, but refuses one that still holds a secret; reads only a
    cassette that YAML's safe loader reads (:func:`check_cassette`).

    A refusal (or an error writing the file) is kept, not raised, and :meth:`raise_unwritten` raises it once the
    cassette is closed: vcrpy saves before it removes its patches, which are process-wide, and an error out of the
    save left them in place (every later connection of the process, other threads' too, went through the dead
    cassette, and was closed under its request whenever the garbage collector ended the cassette)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = tuple(secret for secret in secrets if secret)
        self._unwritten: list[Exception] = []

    def __repr__(self) -> str:
        return f"RefusingPersister({len(self.secrets)} secrets)"

    @staticmethod
    def load_cassette(cassette_path: Any, serializer: Any) -> Any:
        if Path(cassette_path).is_file():  # (vcrpy says itself when there is none)
            check_cassette(Path(cassette_path))
        return FilesystemPersister.load_cassette(cassette_path, serializer)

    def save_cassette(self, cassette_path: Any, cassette_dict: Any, serializer: Any) -> None:
        leaks = find_leaks(serialize(cassette_dict, serializer), self.secrets)
        if leaks:  # the message names the file and what it held, never the content
            refusal = f"refused to write {Path(cassette_path).name}: it holds {', '.join(leaks)}"
            self._unwritten.append(CassetteLeakError(refusal))
            return
        try:
            FilesystemPersister.save_cassette(cassette_path, cassette_dict, serializer)
        except OSError as error:  # a full disk, a folder not writable
            self._unwritten.append(error)

    def raise_unwritten(self) -> None:
        """Raise what kept a cassette from being written since the last call (once the cassette is closed)."""
        unwritten, self._unwritten = self._unwritten, []
        if unwritten:
            for other in unwritten[1:]:
                unwritten[0].add_note(f"and: {other}")
            raise unwritten[0]


def promote_recording(staging: Path, cassette_dir: Path) -> list[Path]:
    """Move a whole, checked recording from ``staging`` into ``cassette_dir`` (each file replaced at once)."""
    moved = []
    for recorded in sorted(staging.rglob("*.yaml")):
        target = cassette_dir / recorded.relative_to(staging)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(recorded, target)  # a link at the target is replaced, not written through
        moved.append(target)
    shutil.rmtree(staging)
    return moved
