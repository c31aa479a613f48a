"""The tables a sync writes most are indexed once per way they are read: every index slows the
sync's inserts (a first sync of a million assets writes millions of audit rows)."""

from __future__ import annotations

import pytest
from django.db import connection

from integrations.models import AssetLink, SyncChange


def indexed_columns(model) -> set[tuple[str, ...]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {tuple(c["columns"]) for c in constraints.values() if c["index"] or c["unique"]} - {("id",)}


@pytest.mark.django_db
def test_the_audit_is_indexed_by_run_and_by_catalog_asset_and_nothing_else():
    assert indexed_columns(SyncChange) == {("run_id", "id"), ("catalog_ref", "id")}


@pytest.mark.django_db
def test_asset_links_are_indexed_by_integration_and_asset_and_by_run_only():
    assert indexed_columns(AssetLink) == {("integration_id", "level", "object_id"), ("run_id",)}
