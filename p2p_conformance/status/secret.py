"""The merchant's status secret, which makes the hourly contributor ids of their feed (docs/status-feed.md): made on
the first ``p2p-status publish``, the owner's alone, never published; read again by ``--compare-with`` to know the
merchant's own contributions in the feeds it reads, so a merchant is never counted as another merchant."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from p2p_conformance.report.status_feed import FeedError

SECRET_ENV = "P2P_STATUS_SECRET"
SECRET_NAME = "status-secret"
MAX_SECRET_BYTES = 1024


def made_secret(given: Path | None, beside: Path, out: Path) -> bytes:
    """The secret to publish with: from the environment, else its file (made once, 0600), never in ``out``."""
    if env := os.environ.get(SECRET_ENV):
        return env.encode()
    path = given or beside / SECRET_NAME
    if out.resolve() in (path.resolve().parent, *path.resolve().parents):
        raise FeedError(f"the status secret {path} would be published with the feed in {out}: keep it elsewhere")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(32))
    return _read(path)


def own_secret(report_dir: Path) -> bytes | None:
    """The secret this merchant published with, if they did (the environment's, else the one beside the run's
    reports); None when they never published. Nothing is made here."""
    if env := os.environ.get(SECRET_ENV):
        return env.encode()
    path = report_dir / SECRET_NAME
    return _read(path) if path.is_file() else None


def _read(path: Path) -> bytes:
    with path.open("rb") as file:
        found = file.read(MAX_SECRET_BYTES + 1).strip()
    if not 16 <= len(found) <= MAX_SECRET_BYTES:
        raise FeedError(
            f"the status secret {path}: give 16 to {MAX_SECRET_BYTES} characters (or remove it: one is made)"
        )
    return found
