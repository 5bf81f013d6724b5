"""Serving the emulator on loopback, in a background thread (tests) or in the foreground (CLI).

HTTP/1.1 with keep-alive, as Binance serves: a client's connection stays open for its next call
(cheroot's WSGI server; werkzeug's development server closes every connection after one answer).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter

from p2p_conformance.emulator.app import Emulator
from p2p_conformance.emulator.chat_socket import serving_chat_socket

LOOPBACK = "127.0.0.1"
# Threads answering at once: more than the suite's most calls in flight (32), since an answer may be held
# back by a scenario's latency or slowness.
ANSWERING_THREADS = 40
# How often the server looks up from its connections: a stop waits up to this long (0.5 s by default,
# which made every emulator in the offline suite cost half a second to stop).
STOP_POLL_SECONDS = 0.01
log = logging.getLogger("emulator")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _log_path_only(app: WsgiApp) -> WsgiApp:
    """Logs method, path and status of each answer, never the query: it carries signatures."""

    def logged(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            log.info("%s %s %s", environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""), status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        return app(environ, start)

    return logged


class EmulatorServer:
    """An HTTP/1.1 server for ``app`` on 127.0.0.1 (``port`` 0 picks a free port); bound on creation,
    so a port in use raises :class:`OSError` before anything is served."""

    def __init__(self, app: WsgiApp, port: int = 0, tls: tuple[Path, Path] | None = None) -> None:
        if os.environ.get("LISTEN_PID"):  # cheroot would serve a socket handed over by systemd instead
            raise OSError(f"LISTEN_PID is set: the emulator listens on {LOOPBACK} only; unset LISTEN_PID")
        self._server = wsgi.Server((LOOPBACK, port), _log_path_only(app), numthreads=ANSWERING_THREADS)
        self._server.expiration_interval = STOP_POLL_SECONDS
        self.scheme = "http"
        if tls is not None:  # (certificate, private key) files: served over HTTPS, as Binance is
            self._server.ssl_adapter = BuiltinSSLAdapter(str(tls[0]), str(tls[1]))
            self.scheme = "https"
        self._server.prepare()

    @property
    def port(self) -> int:
        return int(self._server.bind_addr[1])

    @property
    def url(self) -> str:
        return f"{self.scheme}://{LOOPBACK}:{self.port}"

    def serve_forever(self) -> None:
        """Answer until :meth:`stop` is called from another thread (or Ctrl-C raises here)."""
        self._server.serve()

    def stop(self) -> None:
        """Stop listening, close idle connections, and wait for the answers being written."""
        self._server.stop()


@contextmanager
def running_emulator(app: WsgiApp, tls: tuple[Path, Path] | None = None) -> Iterator[str]:
    """Serve ``app`` (the emulator, or a test's stand-in around it) on a free loopback port for the
    duration (over HTTPS with ``tls``' certificate and key), with the emulator's chat socket beside it;
    yields its base URL. At the end, calls the app
    holds without an answer are released first (``release()``, where the app has it): stopping waits for
    answers being written."""
    server = EmulatorServer(app, tls=tls)
    thread = threading.Thread(target=server.serve_forever, name="binance-emulator", daemon=True)
    thread.start()
    emulator = app if isinstance(app, Emulator) else getattr(app, "emulator", None)  # a stand-in around it
    try:
        with serving_chat_socket(emulator, tls) if isinstance(emulator, Emulator) else nullcontext():
            yield server.url
    finally:
        release = getattr(app, "release", None)
        if callable(release):
            release()
        server.stop()
        thread.join(timeout=5)
