"""Load a catalog from the documented JSON format: validate everything, then write it all or nothing."""

from catalog.loader.load import CatalogLoadError, LoadSummary, catalog_load, catalog_validate

__all__ = ["CatalogLoadError", "LoadSummary", "catalog_load", "catalog_validate"]
