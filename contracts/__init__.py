"""The C2C endpoint catalog: every endpoint as a declarative contract (see ``endpoints.yaml``)."""

from p2p_conformance.contracts.loading import code_named, load_catalog, load_error_codes, parse_catalog
from p2p_conformance.contracts.model import Catalog, CatalogError, Contract, ErrorCode, IdSource, Side, SocketContract

__all__ = [
    "Catalog",
    "CatalogError",
    "Contract",
    "ErrorCode",
    "IdSource",
    "Side",
    "SocketContract",
    "code_named",
    "load_catalog",
    "load_error_codes",
    "parse_catalog",
]
