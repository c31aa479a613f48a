"""The sync engine every catalog shares. It knows no vendor: connectors plug into it.

context   the run context a connector works through (log, counts, audit, safe points)
connector the contract a catalog connector fulfils and how it describes itself to the UI
assets    asset keys, levels and the catalog-asset protocol
names     name matching; mapping: one datastore's tables and columns paired with the catalog's
links     the stored matches (AssetLink) between Plumbline and catalog assets
tags      external-tag rules (pure); tags_apply stages a pull, decides it in SQL, applies it in chunks
values    Plumbline's side of what is pushed: scores, factors, counts, links
"""
