"""What the suite's own tests count from: the catalog, never a number typed in a test."""

from __future__ import annotations

from contracts import load_catalog

CATALOG = load_catalog()
ENDPOINTS = len(CATALOG.contracts)
READ_ONLY = frozenset(c.id for c in CATALOG.contracts if c.read_only)
MUTATING = frozenset(c.id for c in CATALOG.contracts if not c.read_only)
# tests/test_endpoints.py runs each endpoint in three modes: test_request_shape, test_replay, test_live.
OFFLINE_TESTS = 2 * ENDPOINTS  # what a live run deselects
ENDPOINT_TESTS = 3 * ENDPOINTS


def matching(text: str) -> int:
    """How many endpoints a ``-k`` of ``text`` selects in one mode (ids that contain it)."""
    return sum(text in contract.id for contract in CATALOG.contracts)
