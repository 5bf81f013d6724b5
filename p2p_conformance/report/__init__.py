"""The reports: what a run found, as HTML, Markdown and JSON, and the history across runs.

This layer reads the plain data of :mod:`p2p_conformance.model` and knows nothing of pytest or
of how the results were obtained (the engine).
"""
