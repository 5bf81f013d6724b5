"""The C2C endpoint catalog: every endpoint as a declarative contract (see ``endpoints.yaml``)."""

from p2p_conformance.contracts.loading import code_named, load_catalog, load_error_codes, parse_catalog
from p2p_conformance.contracts.model import (
    Catalog,
    CatalogError,
    Contract,
    ErrorCode,
    IdSource,
    Side,
    SocketContract,
    Tier,
)

__all__ = [
    "Catalog",
    "CatalogError",
    "Contract",
    "ErrorCode",
    "IdSource",
    "Side",
    "SocketContract",
    "Tier",
    "code_named",
    "load_catalog",
    "load_error_codes",
    "parse_catalog",
]
