"""Root conftest: only loads the suite's plugin and fixtures; the work lives in ``p2p_conformance``."""

pytest_plugins = ["p2p_conformance.plugin", "p2p_conformance.fixtures"]
