"""The C2C endpoint catalog: every endpoint as a declarative contract (see ``endpoints.yaml``)."""

from contracts.loading import load_catalog, load_error_codes, parse_catalog
from contracts.model import Catalog, CatalogError, Contract, ErrorCode, IdSource, Side

__all__ = [
    "Catalog",
    "CatalogError",
    "Contract",
    "ErrorCode",
    "IdSource",
    "Side",
    "load_catalog",
    "load_error_codes",
    "parse_catalog",
]
