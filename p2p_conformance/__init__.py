"""The pytest side of p2p-conformance: options, markers and fixtures (see ``plugin.py``)."""
