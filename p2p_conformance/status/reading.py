"""Other merchants' feeds read for a run (``--compare-with``) or a community page (``p2p-status aggregate``): each
fetched by the engine, by its own route, all of them through one gate, and held to the schema by the report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from p2p_conformance.engine import feeds
from p2p_conformance.engine.transport import Route, RouteError, environment_route
from p2p_conformance.model import OthersSaw, RunRecord
from p2p_conformance.report.status_feed import SCHEMA_NAME, FeedError, compare, holds_any, own_ids, read_feed
from p2p_conformance.status.secret import own_secret


def read_feeds(sources: Sequence[str], here: Path) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The feeds that could be read, by the name every output gives them (:func:`feeds.shown`), and one line for
    each that could not, naming it. Files are read relative to ``here``; a URL goes by the route the environment
    names for its host (a proxy, a CA bundle; none for this machine), within one deadline for them all."""
    gate = feeds.feeds_gate()
    read: dict[str, dict[str, Any]] = {}
    refused: list[str] = []
    for source in sources:
        name = feeds.shown(source)
        try:
            route = environment_route(source) if feeds.is_url(source) else Route()
            read[name] = read_feed(feeds.fetch(source, route, here, gate), name)
        except (feeds.FeedUnavailable, FeedError, RouteError) as error:
            refused.append(str(error)[:300])
        except OSError as error:  # a file that cannot be read
            refused.append(f"{name}: {error.strerror or type(error).__name__}")
    return read, refused


@dataclass(frozen=True, kw_only=True)
class Comparison:
    """``--compare-with`` for one run: the feeds read (by name), what they saw beside the run, and a line for each
    feed that could not be read and for what was left out."""

    read: tuple[str, ...]
    others: tuple[OthersSaw, ...]
    notes: tuple[str, ...]


def compare_run(run: RunRecord, sources: Sequence[str], here: Path, report_dir: Path) -> Comparison:
    """What other merchants' feeds saw beside ``run``. The merchant's own feed may be among them (their site, or a
    list they share): its hours are known by the status secret they publish with (:func:`own_secret`, read from
    ``report_dir`` or the environment, never made here) and left out, so a merchant is never another merchant."""
    read, refused = read_feeds(sources, here)
    notes = [f"--compare-with: {line}: not read" for line in refused]
    try:
        secret = own_secret(report_dir)
    except (FeedError, OSError) as error:
        secret = None
        notes.append(f"--compare-with: {str(error)[:200]}: your own feed, if listed, could not be told apart")
    mine = own_ids(run, secret) if secret is not None else frozenset()
    if holds_any((feed for feed in read.values() if feed["schema"] == SCHEMA_NAME), mine):
        notes.append("--compare-with: your own feed's entries for these hours were left out (your status secret's)")
    return Comparison(read=tuple(read), others=compare(run, list(read.values()), mine), notes=tuple(notes))
