"""Other merchants' status feeds (``--compare-with``), fetched as data from a hostile place: HTTPS or a local file only,
by ``transport.send`` (no redirect followed, every read bounded) under a gate of their own (not the Binance gate:
a feed's host is not Binance, and its limits are not Binance's), one GET and nothing of the run sent with it.
What a fetched feed says is read by ``report.status_feed``, which holds it to the schema."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import requests

from p2p_conformance.engine.transport import (
    MAX_ANSWER_BYTES,
    NotSent,
    Route,
    SendGate,
    SessionPerThread,
    failure_name,
    failure_words,
    redirect_target,
    send,
    was_cut,
)
from p2p_conformance.errors import InputError, TargetError
from p2p_conformance.safety.reading import read_bounded, size_words

FEED_SECONDS = 10.0  # to connect, between two bytes, and for the whole feed
FEEDS_DEADLINE_SECONDS = 60.0  # for all the feeds of a run
MAX_FEED_BYTES = MAX_ANSWER_BYTES  # transport's bound on any answer: a feed keeps 72 hours, far below it
MAX_FEEDS = 50
MAX_LIST_BYTES = 100_000  # an @FILE of feed addresses


class FeedSourceError(InputError, ValueError):
    """A ``--compare-with`` source that is neither an HTTPS URL nor a file: said in one line before anything runs."""


class FeedUnavailable(TargetError):
    """A feed that could not be had (no answer, a redirect, not 200, too large); the message says which, one line."""


def sources(given: str, here: Path) -> tuple[str, ...]:
    """``--compare-with``: HTTPS URLs or files, comma-separated, or ``@FILE`` naming them one a line."""
    if given.startswith("@"):
        with (here / given[1:]).open("rb") as file:  # read up to its bound, whatever it is (a pipe, /dev/zero)
            listed = file.read(MAX_LIST_BYTES).decode("utf-8", errors="replace").splitlines()
        found = [line.strip() for line in listed if line.strip() and not line.lstrip().startswith("#")]
    else:
        found = [part.strip() for part in given.split(",") if part.strip()]
    if not found or len(found) > MAX_FEEDS:
        raise FeedSourceError(f"--compare-with: give 1 to {MAX_FEEDS} feeds (HTTPS URLs or files)")
    for source in found:
        scheme = urlsplit(source).scheme
        if not is_url(source) and len(scheme) > 1:  # (a Windows drive letter is no scheme)
            raise FeedSourceError(f"--compare-with {shown(source)!r}: only https:// URLs or local files are read")
        if not scheme and not (here / source).is_file():
            raise FeedSourceError(f"--compare-with {shown(source)!r}: no such file (or give an https:// URL)")
    return tuple(found)


def is_url(source: str) -> bool:
    """Whether a feed source is an https:// URL (else it is a file)."""
    return urlsplit(source).scheme == "https"


def feeds_gate() -> SendGate:
    """The gate all the feeds of one reading go through: their own bounds, not the Binance gate's."""
    return SendGate(max_wait=0, deadline=FEEDS_DEADLINE_SECONDS, timeout=FEED_SECONDS)


def fetch(source: str, route: Route, here: Path, gate: SendGate) -> bytes:
    """The feed's bytes (a URL's through ``gate``, one GET); raises :class:`FeedUnavailable` with what went wrong in
    one line."""
    if not is_url(source):
        return read_bounded(
            here / source, MAX_FEED_BYTES, lambda size: FeedUnavailable(f"{shown(source)}: {size}, not a status feed")
        )
    request = requests.Request("GET", source, headers={"Accept": "application/json"}).prepare()
    http = SessionPerThread(route)  # the run's proxies and CA bundle, as its own calls
    try:
        response = send(http, request, gate)
    except (requests.RequestException, NotSent) as error:
        raise FeedUnavailable(f"{shown(source)}: {failure_words(failure_name(error))}") from None
    finally:
        http.close()
    if (elsewhere := redirect_target(response)) is not None:
        raise FeedUnavailable(f"{shown(source)}: a redirect to {elsewhere}, not followed")
    if response.status_code != 200:
        raise FeedUnavailable(f"{shown(source)}: HTTP {response.status_code}, not a feed")
    if was_cut(response):
        raise FeedUnavailable(f"{shown(source)}: larger than {size_words(MAX_FEED_BYTES)}, not a status feed")
    return response.content


def shown(source: str) -> str:
    """A feed as every output names it: a file as given, a URL by scheme, host and path, never its query or
    credentials (they may hold a token)."""
    if not is_url(source):
        return source[:160]
    parts = urlsplit(source)
    return f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}{parts.path}"[:160]
