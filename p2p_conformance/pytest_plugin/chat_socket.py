"""The chat socket's pytest face: its two options, what they need, and what a run that opens it says first.

Everything else about the socket check (what it needs of its credential's answer, how it is opened, read and
judged) is :mod:`p2p_conformance.engine.chat_socket`'s, and the catalog declares which endpoint opens it. The rest
of the pytest layer asks only "which checks does this live run make" (:meth:`Catalog.live_checks`)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from p2p_conformance.contracts import Catalog
from p2p_conformance.engine.chat_socket import DEFAULT_LISTEN_SECONDS, MAX_LISTEN_SECONDS
from p2p_conformance.pytest_plugin.option_values import seconds

WARNING = (
    "--socket: this run opens the chat socket with each key's chat credential. Binance keeps one chat connection "
    "per account: a bot you run with the same account may lose its chat connection (and its buyers' messages) "
    "until it reconnects."
)


@dataclass(frozen=True)
class SocketChoice:
    """Whether the run opens the catalog's sockets (off by default) and how long a check reads frames."""

    opened: bool = False
    listen: float = DEFAULT_LISTEN_SECONDS


def add_options(group: pytest.OptionGroup) -> None:
    group.addoption(
        "--socket",
        action="store_true",
        help="also open the chat socket (chat/websocket) with the credential its endpoint answers; off by default: "
        "Binance keeps one chat connection per account, so opening one may end the chat connection of a bot you "
        "run with the same account",
    )
    group.addoption(
        "--socket-listen",
        default=DEFAULT_LISTEN_SECONDS,
        metavar="SECONDS",
        help="with --socket, how long the socket check reads frames once its handshake is accepted; nothing is "
        f"sent on it (default {DEFAULT_LISTEN_SECONDS:g}: the accepted handshake proves the credential and the "
        f"socket is closed at once; up to {MAX_LISTEN_SECONDS:g})",
    )


def read_choice(config: pytest.Config, live: bool, focus: tuple[str, ...], catalog: Catalog) -> SocketChoice:
    """The run's choice; raises :class:`pytest.UsageError` (one line) on a bad number or where an option needs
    another."""
    listen = seconds(config.option.socket_listen, "--socket-listen", 0.0, MAX_LISTEN_SECONDS)
    opened = bool(config.option.socket)
    if opened and not live:
        raise pytest.UsageError("--socket opens the chat socket in a live run: add -m live")
    if config.option.socket_listen != DEFAULT_LISTEN_SECONDS and not opened:
        raise pytest.UsageError("--socket-listen reads the chat socket, which only --socket opens: add --socket")
    focused = [check for check in focus if catalog.socket(check) is not None]
    if focused and not opened:
        raise pytest.UsageError(f"--focus {focused[0]}: the chat socket is opened only with --socket: add --socket")
    return SocketChoice(opened=opened, listen=listen)


def warn_before_opening(config: pytest.Config) -> None:
    """Said before any test: what opening the chat socket may do to the merchant's own bot."""
    terminal = config.pluginmanager.get_plugin("terminalreporter")
    if terminal is not None:
        terminal.write_line(WARNING, yellow=True)
