"""Migrations that move data keep it: existing tag links survive becoming models of their own."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("catalog", "0001_initial")]


@pytest.mark.django_db(transaction=True)
def test_existing_tag_links_survive_and_read_as_applied_on_the_asset():
    executor = MigrationExecutor(connection)
    # Every app's latest: going back unapplies other apps' migrations that depend on catalog's
    # (integrations' mapping pins), and later tests need them back.
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    tag = old.get_model("catalog", "Tag").objects.create(name="PII", tag_type="global")
    datastore = old.get_model("catalog", "Datastore").objects.create(name="Sales", connector_type="snowflake")
    datastore.tags.add(tag)

    executor = MigrationExecutor(connection)
    executor.migrate(latest)
    new = executor.loader.project_state(latest).apps
    links = new.get_model("catalog", "DatastoreTag").objects.all()
    assert [(link.datastore_id, link.tag_id, link.inherited_from) for link in links] == [
        (datastore.pk, tag.pk, "")
    ]
