"""Whether vcrpy's patches are off: while a cassette is open they are process-wide (urllib3's and http.client's
connection classes), and every connection of every thread goes through the cassette."""

from __future__ import annotations

import http.client

import urllib3.connection
import urllib3.connectionpool

# The classes as imported, before any test opened a cassette
UNPATCHED = (
    urllib3.connectionpool.HTTPConnectionPool.ConnectionCls,
    urllib3.connectionpool.HTTPSConnectionPool.ConnectionCls,
    http.client.HTTPConnection,
    http.client.HTTPSConnection,
)


def vcr_patches_removed() -> bool:
    return (
        urllib3.connectionpool.HTTPConnectionPool.ConnectionCls,
        urllib3.connectionpool.HTTPSConnectionPool.ConnectionCls,
        http.client.HTTPConnection,
        http.client.HTTPSConnection,
    ) == UNPATCHED
