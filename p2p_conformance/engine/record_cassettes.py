"""Record the shipped cassettes from the local emulator: ``p2p-record-cassettes``.

It starts its own emulator on 127.0.0.1 with the all-ok scenario and takes no target option, so
it cannot reach Binance: that is why it may call the mutating endpoints too, whose cassettes the
offline replay needs. Fresh cassettes from Binance itself come from ``pytest -m live
--record-mode=rewrite``, which calls read-only endpoints only.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import requests
import vcr

from p2p_conformance.contracts import load_catalog
from p2p_conformance.contracts.build import build_request
from p2p_conformance.emulator import Emulator, load_scenario, running_emulator
from p2p_conformance.safety import secrets_of
from p2p_conformance.safety.cassettes import RefusingPersister, vcr_config
from p2p_conformance.signer import BinanceAuth, HmacKey

SCENARIO = "all-ok"
DEFAULT_CASSETTE_DIR = Path("cassettes")  # relative to where it is run: the project's checkout
log = logging.getLogger("p2p_conformance.record_cassettes")


def record_all(cassette_dir: Path) -> list[str]:
    """Record one cassette per catalog endpoint from a fresh emulator; returns the endpoint ids."""
    catalog = load_catalog()
    scenario = load_scenario(SCENARIO, catalog)
    demo = next(iter(scenario.keys.values()))
    assert demo.secret is not None
    key = HmacKey(demo.api_key, demo.secret)
    recorder = vcr.VCR(
        cassette_library_dir=str(cassette_dir), record_mode="all", path_transformer=vcr.VCR.ensure_suffix(".yaml")
    )
    persister = RefusingPersister(secrets_of([key]))
    recorder.register_persister(persister)
    recorded = []
    with running_emulator(Emulator(scenario, catalog)) as base_url, requests.Session() as http:
        for contract in catalog.contracts:
            with recorder.use_cassette(contract.cassette_name, **vcr_config()):
                response = http.send(build_request(contract, base_url, BinanceAuth(key)))
            persister.raise_unwritten()
            log.info("%s %s -> %s", contract.method, contract.path, response.status_code)
            recorded.append(contract.id)
    return recorded


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="p2p-record-cassettes", description=__doc__)
    parser.add_argument(
        "--cassette-dir", type=Path, default=DEFAULT_CASSETTE_DIR, help="where to write (default: ./cassettes)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("vcr").setLevel(logging.WARNING)
    log.info("recorded %d cassettes in %s", len(record_all(args.cassette_dir)), args.cassette_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
