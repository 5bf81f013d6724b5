"""What the suite's own tests count from: the catalog, never a number typed in a test."""

from __future__ import annotations

from collections.abc import Iterable

from p2p_conformance.contracts import load_catalog
from p2p_conformance.engine.ids import list_calls

CATALOG = load_catalog()
ENDPOINTS = len(CATALOG.contracts)
READ_ONLY = frozenset(c.id for c in CATALOG.contracts if c.read_only)
MUTATING = frozenset(c.id for c in CATALOG.contracts if not c.read_only)
SOCKETS = frozenset(socket.id for socket in CATALOG.sockets)  # checked live only (test_live), with --socket
LIVE_RESULTS = READ_ONLY  # what a whole live run judges, per key and round
WITH_SOCKETS = READ_ONLY | SOCKETS  # ... and with --socket
# p2p_conformance/suite/test_endpoints.py runs each endpoint in three modes: test_request_shape, test_replay, test_live;
# with --socket, test_live also opens each socket (a run without it does not collect them).
OFFLINE_TESTS = 2 * ENDPOINTS
LIVE_TESTS = ENDPOINTS  # collected per key and round (and each socket with --socket)
LIVE_DESELECTED = OFFLINE_TESTS  # what a live run deselects
ENDPOINT_TESTS = OFFLINE_TESTS + LIVE_TESTS  # collected without --socket


def setup_calls(ids: Iterable[str]) -> int:
    """A key's first calls in a live run of these endpoints: the server time, its permissions, and the
    list calls that give the ids they need."""
    return 2 + len(list_calls(CATALOG, [CATALOG[id_] for id_ in ids], {}))


REST_CALLS = setup_calls(READ_ONLY) + len(READ_ONLY)  # a whole live run with one key, over HTTP


def matching(text: str) -> int:
    """How many endpoints a ``-k`` of ``text`` selects in one mode (ids that contain it)."""
    return sum(text in contract.id for contract in CATALOG.contracts)


def read_only_matching(text: str) -> frozenset[str]:
    """The read-only endpoints a ``-k "test_live and <text>"`` runs live (ids that contain it; a socket only with
    ``--socket``)."""
    return frozenset(id_ for id_ in LIVE_RESULTS if text.lower() in id_.lower())
