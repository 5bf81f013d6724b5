"""Turning a contract into the HTTP request that is sent: one builder for every mode."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from p2p_conformance.contracts.model import Contract
from p2p_conformance.signer import BinanceAuth, Placement, encode_query, json_body

USER_AGENT = "p2p-conformance/0.1"


def build_request(
    contract: Contract, base_url: str, auth: BinanceAuth, params: Mapping[str, Any] | None = None
) -> requests.PreparedRequest:
    """The signed request for ``contract``: its example params unless ``params`` is given; signed without
    ``recvWindow`` where the contract says so."""
    params = contract.params if params is None else params
    headers = {"User-Agent": USER_AGENT, **contract.headers}
    url = base_url.rstrip("/") + contract.path
    body = None
    if contract.placement is Placement.JSON_BODY:
        headers["Content-Type"] = "application/json"
        body = json_body(params).encode("utf-8")
        query = ""
    else:
        query = encode_query(params)
    signer = auth.signing(contract.signs_recv_window)
    return requests.Request(contract.method, url, params=query, headers=headers, data=body, auth=signer).prepare()
