"""Load a catalog from the documented JSON format: validate everything, then write it all or nothing."""

from catalog.loader.load import LoadSummary, catalog_load
from catalog.loader.validate import CatalogLoadError, catalog_validate

__all__ = ["CatalogLoadError", "LoadSummary", "catalog_load", "catalog_validate"]
