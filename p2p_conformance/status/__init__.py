"""The status feed's command (``p2p-status``): a run published into a feed; many merchants' feeds aggregated into
a community page. Above the engine (which fetches others' feeds) and the report (which writes and reads feeds)."""
