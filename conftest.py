"""Root conftest: only loads the suite's pytest plugin; the work lives in ``p2p_conformance``."""

pytest_plugins = ["p2p_conformance.plugin"]
