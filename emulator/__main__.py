"""``python -m emulator --port 8080 --scenario july-9``: a Binance-like C2C gateway on loopback."""

from __future__ import annotations

import argparse
import contextlib
import logging

from contracts import load_catalog
from emulator.app import Emulator
from emulator.scenario import ScenarioError, load_scenario
from emulator.server import LOOPBACK, log, make_emulator_server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulator", description=__doc__)
    parser.add_argument("--port", type=int, default=8080, help="port on 127.0.0.1 (default 8080)")
    parser.add_argument("--scenario", default="all-ok", help="scenario file, or a name in emulator/scenarios/")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    catalog = load_catalog()
    try:
        scenario = load_scenario(args.scenario, catalog)
    except ScenarioError as error:
        parser.error(str(error))
    server = make_emulator_server(Emulator(scenario, catalog), args.port)
    log.info("Binance C2C emulator on http://%s:%d (scenario: %s)", LOOPBACK, server.port, scenario.description)
    log.info("keys: %s (credentials are in the scenario file)", ", ".join(scenario.keys))
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
