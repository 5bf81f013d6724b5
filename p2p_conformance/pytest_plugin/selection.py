"""Which of the suite's tests a run selects and in what order: live tests only when ``-m`` names them,
offline ones kept to loopback, ``--repeat`` rounds one after the other, the calls of a round and of the
run, and the live tests that record cassettes. Only the suite's own tests are passed in (:mod:`.scope`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pytest
from _pytest.mark.expression import Expression  # pytest's own -m parser: the selection means what pytest means

from p2p_conformance.contracts import Catalog, Contract

if TYPE_CHECKING:  # settings reads the markers from here
    from p2p_conformance.pytest_plugin.settings import RunSettings

LIVE_MARKER = "live"
MARKERS = {LIVE_MARKER: "calls the real target with your key; selected only with `-m live` (p2p-conformance's suite)"}
LOOPBACK_HOSTS = [r"127\.0\.0\.1$", "localhost$", "::1$"]  # pytest-recording matches these regexes from the start


def requested_markers(markexpr: str, markers: Iterable[str] = MARKERS) -> frozenset[str]:
    """The opt-in ``markers`` the ``-m`` expression selects: it names the marker and selects a test that has it
    (``-m live``, ``-m "live and not slow"``, ``-m "live or browser"``; not ``-m "not live"``)."""
    if not markexpr:
        return frozenset()
    expression = Expression.compile(markexpr)
    return frozenset(
        marker
        for marker in markers
        if re.search(rf"\b{marker}\b", markexpr) and expression.evaluate(_OnlyMarker(marker))
    )


class _OnlyMarker:
    """A test that carries ``marker`` and no other marker, as pytest's ``-m`` matcher sees it."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __call__(self, name: str, /, **kwargs: str | int | bool | None) -> bool:
        return name == self.marker


def deselect_unless_requested(
    config: pytest.Config, items: list[pytest.Item], candidates: Sequence[pytest.Item], markers: Iterable[str]
) -> None:
    """Keep a plain ``pytest`` offline and quick: drop the ``candidates`` marked with one of the opt-in
    ``markers`` (those ``-m`` did not name)."""
    deselect(config, items, [item for item in candidates if any(item.get_closest_marker(m) for m in markers)])


def narrowing_options(config: pytest.Config) -> tuple[str, ...]:
    """What in the command line selects part of the suite's tests, as given: ``-k "ads/search"``, ``-m "live and
    not agent"``, ``--lf``, ``--deselect``, test ids."""
    option = config.option
    found = [f'-k "{option.keyword}"'] if option.keyword else []
    markexpr = (option.markexpr or "").strip()
    found += [f'-m "{markexpr}"'] if markexpr and markexpr != LIVE_MARKER else []
    found += ["--lf"] if getattr(option, "lf", False) else []  # the cache plugin's, absent without it
    found += ["--deselect"] if getattr(option, "deselect", None) else []
    found += ["test ids"] if any("::" in str(argument) for argument in config.args) else []
    return tuple(found)


def keys_not_made(candidates: Sequence[pytest.Item], settings: RunSettings) -> list[pytest.Item]:
    """The live tests of a key in a round before it exists (the emulator's story makes some keys later)."""
    first_key = next(iter(settings.plan.keys), "")
    return [
        item
        for item in candidates
        if item.get_closest_marker(LIVE_MARKER) is not None
        and not settings.key_in_round(
            str(item_params(item).get("key_name", first_key)), int(item_params(item).get("round_number", 1))
        )
    ]


def deselect(config: pytest.Config, items: list[pytest.Item], dropped: Sequence[pytest.Item]) -> None:
    """Leave ``dropped`` out of the run, as pytest's own ``--deselect`` does (each counted once as deselected)."""
    dropped_set = set(dropped).intersection(items)
    if dropped_set:
        config.hook.pytest_deselected(items=[item for item in items if item in dropped_set])
        items[:] = [item for item in items if item not in dropped_set]


def keep_offline(items: Sequence[pytest.Item], allowed_hosts: Sequence[str] = LOOPBACK_HOSTS) -> None:
    """An offline test of the suite may open connections to ``allowed_hosts`` only (pytest-recording's network
    guard, test by test: another project's tests in the same run keep their network)."""
    for item in items:
        item.add_marker(pytest.mark.block_network(allowed_hosts=list(allowed_hosts)))


def item_params(item: pytest.Item) -> dict[str, Any]:
    """The parameters of a parametrized test (``contract``, ``key_name``, ``round_number``)."""
    callspec = getattr(item, "callspec", None)
    return callspec.params if callspec else {}


def tested_contract(params: Mapping[str, Any]) -> Contract | None:
    """The endpoint (or check) a test is about."""
    contract = params.get("contract")
    return contract if isinstance(contract, Contract) else None


def _live_calls(
    items: Sequence[pytest.Item], catalog: Catalog | None = None
) -> Iterator[tuple[pytest.Item, dict[str, Any], Contract]]:
    """Each selected live test of a read-only endpoint or check: the test, its parameters and its contract
    (with the ``catalog``, the endpoint a check needs the answer of first, in case its own test is not selected)."""
    for item in items:
        params = item_params(item)
        contract = tested_contract(params)
        if item.get_closest_marker(LIVE_MARKER) is None or contract is None or not contract.read_only:
            continue
        needed = catalog.needs.get(contract.id) if catalog is not None else None
        if catalog is not None and needed is not None:
            yield item, params, catalog[needed]
        yield item, params, contract


def calls_of_round(
    items: Sequence[pytest.Item], number: int, default_key: str, catalog: Catalog
) -> dict[str, list[Contract]]:
    """The read-only endpoints (and checks) the selected live tests of round ``number`` call, by key name, each
    once: the endpoint a check needs the answer of before it."""
    calls: dict[str, dict[str, Contract]] = {}
    for _, params, contract in _live_calls(items, catalog):
        if int(params.get("round_number", 1)) == number:
            calls.setdefault(params.get("key_name", default_key), {}).setdefault(contract.id, contract)
    return {key: list(contracts.values()) for key, contracts in calls.items()}


def called_contracts(items: Sequence[pytest.Item], catalog: Catalog) -> list[Contract]:
    """The read-only endpoints the selected live tests call, each once (in any round, with any key)."""
    return list({contract.id: contract for _, _, contract in _live_calls(items, catalog)}.values())


def order_by_round(items: list[pytest.Item]) -> None:
    """Round 1 of every endpoint, then round 2... (a stable sort keeps the catalog's order)."""
    items.sort(key=lambda item: int(item_params(item).get("round_number", 1)))


def mark_cassette_recording(items: list[pytest.Item], catalog: Catalog) -> None:
    """With ``--record-mode``, live tests of read-only endpoints record their cassette; nothing else does (a
    check that is not an HTTP call has none)."""
    requests = {contract.id for contract in catalog.contracts}
    for item, _, contract in _live_calls(items):
        if contract.id in requests:
            item.add_marker(pytest.mark.vcr)
