"""``p2p-emulator --scenario july-9`` (or ``python -m p2p_conformance.emulator``): a Binance-like C2C gateway on
loopback, for a merchant's own client or the suite's ``--binance-url``. It prints its address and the scenario's
throwaway keys (public values of the scenario file, known to nothing but the emulator)."""

from __future__ import annotations

import argparse
import contextlib
import logging
import threading
import time

from p2p_conformance.contracts import load_catalog
from p2p_conformance.emulator.app import Emulator
from p2p_conformance.emulator.chat_socket import serving_chat_socket
from p2p_conformance.emulator.scenario import Scenario, ScenarioError, load_scenario
from p2p_conformance.emulator.server import LOOPBACK, EmulatorServer, log


def _advance(scenario: Scenario, seconds: float) -> None:
    while scenario.phase_index < len(scenario.phases) - 1:
        time.sleep(seconds)
        scenario.set_phase(scenario.phase_index + 1)
        log.info("scenario phase: %s", scenario.phase.name)


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: give a number from 1 to 65535")
    return int(text)


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not seconds > 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of seconds above 0")
    return seconds


def _how_to_call(scenario: Scenario, url: str) -> list[str]:
    """The scenario's throwaway keys, and the suite's command that calls the emulator with the first HMAC one."""
    lines = ["Its throwaway keys (public, from the scenario file; known to nothing but this emulator):"]
    for name, key in scenario.keys.items():
        secret = f"BINANCE_API_SECRET={key.secret}" if key.secret else "an RSA or Ed25519 key (its PEM: the scenario's)"
        made = f" (made in phase {key.made})" if key.made else ""
        lines.append(f"  {name}{made}: BINANCE_API_KEY={key.api_key} {secret}")
    first = next((key for key in scenario.keys.values() if key.secret and not key.made), None)
    if first is not None:
        lines += [
            "The suite against it (its reports go to reports/not-binance/, labelled an emulator run):",
            f"  BINANCE_API_KEY={first.api_key} BINANCE_API_SECRET={first.secret} pytest -m live --binance-url {url}",
        ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="p2p-emulator", description=__doc__)
    parser.add_argument("--port", type=_port, default=8080, help="port on 127.0.0.1, 1 to 65535 (default 8080)")
    parser.add_argument(
        "--scenario", default="all-ok", help="scenario file, or a name in p2p_conformance/emulator/scenarios/"
    )
    parser.add_argument("--phase", help="start in this phase of a story scenario (default: the first)")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="also refuse what a careful client avoids (docs/emulator.md): stricter than Binance",
    )
    parser.add_argument(
        "--advance-every", type=_seconds, metavar="SECONDS", help="replay a story: move to the next phase every SECONDS"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    catalog = load_catalog()
    try:
        scenario = load_scenario(args.scenario, catalog)
        if args.phase:
            scenario.set_phase(args.phase)
    except ScenarioError as error:
        parser.error(str(error))
    if args.advance_every:
        threading.Thread(target=_advance, args=(scenario, args.advance_every), daemon=True).start()
    emulator = Emulator(scenario, catalog, strict=args.strict)
    try:
        server = EmulatorServer(emulator, args.port)
    except OSError as error:  # cheroot words it "No socket could be created -- ((host, port): [Errno 98] reason)"
        reason = str(error).rsplit("] ", 1)[-1].rstrip(")")
        parser.error(f"cannot listen on {LOOPBACK}:{args.port} ({reason}): choose another --port")
    log.info(
        "Binance C2C emulator on http://%s:%d (scenario: %s; phase: %s)",
        LOOPBACK,
        server.port,
        scenario.description,
        scenario.phase.name,
    )
    for line in _how_to_call(scenario, server.url):
        log.info("%s", line)
    try:
        with contextlib.suppress(KeyboardInterrupt), serving_chat_socket(emulator) as chat:
            log.info("chat socket (the credential chat/retrieveChatCredential answers opens it) on %s", chat)
            server.serve_forever()
    finally:
        emulator.release()  # calls held without an answer end, so the stop does not wait for them
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
