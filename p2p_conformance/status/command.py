"""``p2p-status publish reports/live-summary.json --out site/``: the run added to the status feed in ``site/``
(``status.json``, and a Shields.io endpoint badge per endpoint in ``site/badges/``), anonymised as
docs/status-feed.md says; ``--db reports/history.sqlite3`` publishes the history's runs of the last hours instead.
The status secret that makes the hourly contributor ids is read from ``--secret-file`` (default: ``status-secret``
beside the summary or history, made on first use, the owner's alone) or ``P2P_STATUS_SECRET``; it is never written
into the feed's folder.

``p2p-status aggregate FEEDS.txt --out community/``: the feeds listed (https:// URLs or files, one a line) read as
``--compare-with`` reads them, and written as one community feed (``status.json``) and its page (``index.html``),
each cell of an endpoint and hour shown only when at least ``--k`` merchants contributed to it."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from p2p_conformance.engine import feeds
from p2p_conformance.model import SUITE_VERSION, TargetKind, target_kind
from p2p_conformance.report.history import HistoryError, load_rows
from p2p_conformance.report.html import community_page
from p2p_conformance.report.status_feed import (
    DEFAULT_K,
    FEED_NAME,
    KEEP_HOURS,
    FeedError,
    aggregate,
    badge,
    badge_name,
    check_feed,
    feed_text,
    history_hours,
    published,
    published_hours,
)
from p2p_conformance.report.summary import SummaryError, read_summary
from p2p_conformance.safety.reading import read_bounded
from p2p_conformance.safety.writing import json_text, replace_files
from p2p_conformance.status.reading import read_feeds
from p2p_conformance.status.secret import SECRET_NAME, made_secret

MAX_FILE_BYTES = 64_000_000  # a summary of many keys and rounds, or a feed of 30 days, is far smaller
LABEL = "[A-Za-z0-9][A-Za-z0-9._ -]{0,59}"
MAX_K = 100
PAGE_NAME = "index.html"  # the community page, the folder's page where GitHub Pages serves it


def _read_json(path: Path, what: str) -> object:
    data = read_bounded(path, MAX_FILE_BYTES, lambda size: FeedError(f"{size}: not a {what}"))
    return json.loads(data.decode("utf-8"))


def publish(summary: Path, out: Path, secret_file: Path | None, origin: str | None) -> list[Path]:
    """A run's ``live-summary.json`` added to the feed in ``out``."""
    run = read_summary(_read_json(summary, "live-summary.json")).run
    secret = made_secret(secret_file, summary.parent, out)
    return _write_feed(
        out,
        lambda before: published(run, secret, origin=origin or run.origin, before=before),
        {record.id for record in run.results},
    )


def publish_history(db: Path, out: Path, secret_file: Path | None, origin: str | None) -> list[Path]:
    """The runs of a history's last :data:`KEEP_HOURS` hours added to the feed in ``out``: those of the target its
    newest run went to (the default histories keep Binance, the emulator and other addresses apart)."""
    since = (datetime.now(UTC) - timedelta(hours=KEEP_HOURS)).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = load_rows(db, since=since)
    if not rows:
        raise FeedError(f"no run since {since}: nothing to publish")
    newest = rows[-1]
    target = target_kind(newest.emulator, newest.base_url)
    secret = made_secret(secret_file, db.parent, out)
    return _write_feed(
        out,
        lambda before: published_hours(
            history_hours(rows, secret, target),
            target=target,
            suite_version=SUITE_VERSION,
            origin=origin or newest.origin,
            before=before,
        ),
        {row.endpoint_id for row in rows},
    )


def _write_feed(
    out: Path, feed_after: Callable[[dict[str, Any] | None], dict[str, Any]], called: set[str]
) -> list[Path]:
    """The feed in ``out`` as ``feed_after`` makes it from the one there (if any), and a badge per endpoint called."""
    feed_path = out / FEED_NAME
    before: dict[str, Any] | None = None
    if feed_path.exists():
        found = _read_json(feed_path, "status feed")
        check_feed(found)
        before = cast(dict[str, Any], found)
    feed = feed_after(before)
    files: dict[Path, str | bytes] = {feed_path: feed_text(feed)}
    for endpoint in sorted(called):
        if any(endpoint in entry["endpoints"] for entry in feed["hours"]):
            files[out / "badges" / badge_name(endpoint)] = json_text(badge(feed, endpoint))
    (out / "badges").mkdir(parents=True, exist_ok=True)
    replace_files(files)
    return list(files)


def aggregate_feeds(listed: Path, out: Path, k: int, target: TargetKind) -> tuple[list[Path], list[str]]:
    """The community feed and page of the feeds ``listed`` names; returns the files written and, one line each,
    the feeds that could not be read (left out)."""
    read, refused = read_feeds(feeds.sources(f"@{listed}", Path.cwd()), Path.cwd())
    if not read:
        raise FeedError(f"{listed}: none of its feeds could be read")
    document = aggregate(list(read.values()), target=target, k=k, suite_version=SUITE_VERSION)
    files: dict[Path, str | bytes] = {
        out / FEED_NAME: feed_text(document),
        out / PAGE_NAME: community_page(document),
    }
    out.mkdir(parents=True, exist_ok=True)
    replace_files(files)
    return list(files), [f"{line}: left out" for line in refused]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="p2p-status", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    publishing = commands.add_parser("publish", help="add a run to a status feed")
    given = publishing.add_mutually_exclusive_group(required=True)
    given.add_argument("summary", type=Path, nargs="?", help="a run's live-summary.json: reports/live-summary.json")
    given.add_argument("--db", type=Path, help=f"a history instead: its runs of the last {KEEP_HOURS} hours")
    publishing.add_argument("--out", type=Path, required=True, help="the feed's folder (e.g. site/, published)")
    publishing.add_argument("--secret-file", type=Path, help=f"the status secret (default: {SECRET_NAME} beside it)")
    publishing.add_argument("--origin", help="a label for where you run, e.g. home-isp (else the run's --origin)")
    aggregating = commands.add_parser("aggregate", help="many merchants' feeds into a community feed and page")
    aggregating.add_argument("feeds", type=Path, help="a file of feeds, https:// URLs or files, one a line")
    aggregating.add_argument("--out", type=Path, required=True, help="the community page's folder (published)")
    aggregating.add_argument(
        "--k", type=int, default=DEFAULT_K, help=f"the fewest merchants a cell shows (default {DEFAULT_K})"
    )
    aggregating.add_argument("--target", type=TargetKind, choices=list(TargetKind), default=TargetKind.BINANCE)
    args = parser.parse_args(argv)
    if args.command == "aggregate":
        return _aggregate(parser, args)
    origin = args.origin
    if origin is not None and not re.fullmatch(LABEL, origin):
        parser.error(f"--origin {origin!r}: give a label of up to 60 letters, digits, dots, dashes or spaces")
    source = args.db or args.summary
    try:
        if args.db is not None:
            written = publish_history(args.db, args.out, args.secret_file, origin)
        else:
            written = publish(args.summary, args.out, args.secret_file, origin)
    except (
        OSError,
        UnicodeDecodeError,
        json.JSONDecodeError,
        SummaryError,
        FeedError,
        HistoryError,
        RecursionError,
    ) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)[:200]
        sys.stderr.write(f"p2p-status: {source}: {reason}\n")
        return 2
    sys.stderr.write(f"p2p-status: {len(written)} files written to {args.out} ({FEED_NAME} and its badges)\n")
    return 0


def _aggregate(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if not 2 <= args.k <= MAX_K:
        parser.error(f"--k {args.k}: give 2 to {MAX_K} (a cell of one merchant would name that merchant's results)")
    try:
        written, refused = aggregate_feeds(args.feeds, args.out, args.k, args.target)
    except (feeds.FeedSourceError, FeedError, OSError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)[:300]
        sys.stderr.write(f"p2p-status: {args.feeds}: {reason}\n")
        return 2
    for line in refused:
        sys.stderr.write(f"p2p-status: {line}\n")
    sys.stderr.write(f"p2p-status: {', '.join(path.name for path in written)} written to {args.out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
