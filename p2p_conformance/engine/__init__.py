"""The engine: calling Binance (or the emulator) and judging what came back. It knows nothing of pytest.

Live sessions measure the clock offset, run the control checks and resolve ids; each call gives a
:class:`~p2p_conformance.model.LiveResult`, and :mod:`.records` turns it into the report's
:class:`~p2p_conformance.model.EndpointRecord` with its diagnosis.
"""
