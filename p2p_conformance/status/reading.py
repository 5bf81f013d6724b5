"""Other merchants' feeds read for a run (``--compare-with``) or a community page (``p2p-status aggregate``): each
fetched by the engine, by its own route, all of them through one gate, and held to the schema by the report."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from p2p_conformance.engine import feeds
from p2p_conformance.engine.transport import Route, RouteError, environment_route
from p2p_conformance.report.status_feed import FeedError, read_feed


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
