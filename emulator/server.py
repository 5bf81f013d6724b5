"""Serving the emulator on loopback, in a background thread (tests) or in the foreground (CLI)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from emulator.app import Emulator

LOOPBACK = "127.0.0.1"
SHUTDOWN_POLL_SECONDS = 0.01
log = logging.getLogger("emulator")


class PathOnlyRequestHandler(WSGIRequestHandler):
    """Logs method, path and status only: a query string carries signatures, never logged."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.info("%s %s %s", self.command, self.path.split("?", 1)[0], code)


def make_emulator_server(emulator: Emulator, port: int = 0) -> BaseWSGIServer:
    """A threaded HTTP server on 127.0.0.1 (``port`` 0 picks a free port)."""
    return make_server(LOOPBACK, port, emulator, threaded=True, request_handler=PathOnlyRequestHandler)


@contextmanager
def running_emulator(emulator: Emulator) -> Iterator[str]:
    """Serve ``emulator`` on a free loopback port for the duration; yields its base URL."""
    server = make_emulator_server(emulator)
    # serve_forever's default 0.5 s poll made every shutdown wait up to half a second (9 s of a 42 s suite).
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS},
        name="binance-emulator",
        daemon=True,
    )
    thread.start()
    try:
        yield f"http://{LOOPBACK}:{server.port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
