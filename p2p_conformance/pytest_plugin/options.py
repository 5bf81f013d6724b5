"""Command-line options of the suite (read once, by :mod:`.settings`, which also parses the numbers: a
mistyped one gets one line saying what to give, not argparse's usage text)."""

from __future__ import annotations

import pytest

from p2p_conformance.engine.probe import DEFAULT_PROBE_LIMIT
from p2p_conformance.engine.sessions import DEFAULT_CONCURRENCY, MAX_CONCURRENCY
from p2p_conformance.engine.transport import (
    DEFAULT_DEADLINE_SECONDS,
    DEFAULT_MAX_WAIT_SECONDS,
    DEFAULT_WEIGHT_BUDGET,
    TIMEOUT_SECONDS,
)
from p2p_conformance.pytest_plugin import chat_socket
from p2p_conformance.pytest_plugin.scope import why_not_the_suite
from p2p_conformance.signer import DEFAULT_RECV_WINDOW, MAX_RECV_WINDOW
from p2p_conformance.signer.env import DEFAULT_BASE_URL

# Options that say "run the suite": given in a run that does not collect it, they get one line saying how.
SUITE_RUN_OPTIONS = {
    "emulator": "--emulator",
    "keys_file": "--keys-file",
    "binance_url": "--binance-url",
    "scenario": "--scenario",
    "case_id": "--case-id",
    "focus": "--focus",
    "probe": "--probe",
    "bundle": "--bundle",
    "verifiable": "--verifiable",
    "verifiable_with_key": "--verifiable-with-key",
}


def validate_guest_options(config: pytest.Config) -> None:
    """A run of another project's tests with the suite's options: say where the suite is, before anything runs
    (the options would otherwise be silently ignored: the plugin does nothing in another project's run)."""
    given = [flag for dest, flag in SUITE_RUN_OPTIONS.items() if config.getoption(dest)]
    if given:
        raise pytest.UsageError(
            f"{given[0]} is an option of p2p-conformance's suite, which this run does not collect: "
            + why_not_the_suite(config)
        )


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("p2p-conformance", "Binance C2C conformance")
    group.addoption(
        "--binance-url",
        default=None,
        help=f"target of live tests (else BINANCE_BASE_URL, else {DEFAULT_BASE_URL})",
    )
    group.addoption(
        "--emulator",
        action="store_true",
        help="run live tests against the local emulator on 127.0.0.1 with a throwaway key",
    )
    group.addoption(
        "--strict-emulator",
        action="store_true",
        help="the emulator also refuses what the suite thinks a careful client avoids (docs/emulator.md); "
        "Binance may be more lenient",
    )
    group.addoption(
        "--scenario",
        default=None,
        help="emulator scenario: a file, or a name in p2p_conformance/emulator/scenarios/ (default all-ok)",
    )
    group.addoption(
        "--phase",
        default=None,
        help="emulator scenario phase to pin (else the story moves one phase per --repeat round)",
    )
    group.addoption(
        "--keys-file",
        default=None,
        help="TOML file listing several keys, one [name] table each (else BINANCE_KEYS_FILE, else one key "
        "from the environment / .env)",
    )
    group.addoption(
        "--repeat",
        default=1,
        help="run the live endpoints N times in one session, to catch flapping (default 1)",
    )
    group.addoption(
        "--interval",
        default=0.0,
        help="seconds to wait between --repeat rounds (default 0)",
    )
    group.addoption(
        "--history-db",
        default=None,
        help="the history file live runs add to (default: history.sqlite3 in the report folder)",
    )
    group.addoption(
        "--variant",
        action="append",
        default=[],
        metavar="ENDPOINT=NAME",
        help="use a named variant of an endpoint's contract, e.g. ads/getReferencePrice=seed-get",
    )
    group.addoption(
        "--id",
        dest="ids",
        action="append",
        default=[],
        metavar="KIND=VALUE",
        help="a real id for live calls that need one, e.g. order-number=2021... (kinds: contracts/endpoints.yaml)",
    )
    group.addoption(
        "--cassette-dir",
        default=None,
        help="folder of the endpoint cassettes (default: the suite's own, cassettes/ of a checkout)",
    )
    group.addoption(
        "--focus",
        default="",
        metavar="ID,...",
        help="the endpoints your case is about, shown first in the report, e.g. "
        "ads/getAds,ads/search (ids as in docs/endpoints.md)",
    )
    group.addoption(
        "--probe",
        action="store_true",
        help="send each failing read-only endpoint again in the documented alternative request shapes "
        "(query, form body, clientType header, variants, sorted parameters); the --focus ones when given",
    )
    group.addoption(
        "--probe-limit",
        default=DEFAULT_PROBE_LIMIT,
        metavar="N",
        help=f"the most failing endpoints --probe sends again (default {DEFAULT_PROBE_LIMIT})",
    )
    group.addoption(
        "--request-timeout",
        default=TIMEOUT_SECONDS,
        metavar="SECONDS",
        help=f"how long one live call may take (to connect, between two bytes, in all) before it counts as no "
        f"answer (default {TIMEOUT_SECONDS:g}; the seed case file's client waited 10)",
    )
    chat_socket.add_options(group)
    group.addoption(
        "--max-wait",
        default=DEFAULT_MAX_WAIT_SECONDS,
        metavar="SECONDS",
        help="the longest Retry-After a live run waits out after an HTTP 429; a longer one stops the run "
        f"(default {DEFAULT_MAX_WAIT_SECONDS:g}); an HTTP 418 ban always stops it",
    )
    group.addoption(
        "--weight-budget",
        default=DEFAULT_WEIGHT_BUDGET,
        metavar="WEIGHT",
        help=f"request weight a live run may spend a minute, shared by pytest-xdist workers (default "
        f"{DEFAULT_WEIGHT_BUDGET}; Binance allows 12,000 per IP on /sapi); an IP already at it waits a minute",
    )
    group.addoption(
        "--concurrency",
        default=DEFAULT_CONCURRENCY,
        metavar="N",
        help=f"live calls in flight at once, 1 to {MAX_CONCURRENCY} (default {DEFAULT_CONCURRENCY}): a round's calls "
        "go out together, within --weight-budget, before its tests judge the answers (one by one when recording "
        "cassettes or under pytest-xdist)",
    )
    group.addoption(
        "--deadline",
        default=DEFAULT_DEADLINE_SECONDS,
        metavar="SECONDS",
        help=f"no live request goes out after this many seconds of the run (default {DEFAULT_DEADLINE_SECONDS:g}); "
        "the rest is reported as not sent",
    )
    group.addoption(
        "--cross-check",
        action="store_true",
        help="send each failing call once more through Binance's own SDK code (binance-common) and show both "
        "answers; needs pip install -e '.[official]'",
    )
    group.addoption(
        "--case-id",
        default=None,
        help="your Binance support case number, shown on the report (e.g. 144098731)",
    )
    group.addoption(
        "--bundle",
        action="store_true",
        help="also write reports/case-<case id>-<UTC time>.zip for the ticket: the report files, the Postman "
        "collection, a cassette of each failing call, and SHA256SUMS",
    )
    group.addoption(
        "--verifiable",
        action="store_true",
        help="with --bundle, also put every request of the run in it exactly as sent (requests.jsonl: the real "
        "timestamp and signature, the API key as its fingerprint), so Binance can recompute each signature and "
        "find each request in its logs; off by default",
    )
    group.addoption(
        "--verifiable-with-key",
        action="store_true",
        help="as --verifiable, with the API key in full in requests.jsonl (never the secret)",
    )
    group.addoption(
        "--compare-with",
        default=None,
        metavar="FEEDS",
        help="other merchants' status feeds (docs/status-feed.md): https:// URLs or files, comma-separated, or @FILE "
        "listing them; the first screen says what they saw of your failing endpoints in the same hour",
    )
    group.addoption(
        "--origin",
        default=None,
        metavar="LABEL",
        help="where this run runs from (a network, a region, a CI runner), stored with it in the history so "
        "that histories from several machines merge into one report (e.g. home-isp, github-eu-west)",
    )
    group.addoption(
        "--report-dir",
        default=None,
        help="where live runs write the report (default: reports/ in the folder of the run's pyproject.toml or "
        "pytest.ini, else where pytest was started; reports/emulator/ with --emulator)",
    )
    group.addoption(
        "--recv-window",
        default=DEFAULT_RECV_WINDOW,
        help=f"recvWindow of live requests in milliseconds, 1 to {MAX_RECV_WINDOW} (default {DEFAULT_RECV_WINDOW}); "
        "endpoints whose contract signs timestamp alone (the chat credential) are sent without it",
    )
