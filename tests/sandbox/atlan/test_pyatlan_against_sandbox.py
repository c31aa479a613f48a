"""Atlan's own SDK, pyatlan, works against the sandbox for every call Plumbline makes."""

from __future__ import annotations

import pytest

pyatlan = pytest.importorskip("pyatlan")

from pyatlan.client.atlan import AtlanClient  # noqa: E402
from pyatlan.errors import AuthenticationError  # noqa: E402
from pyatlan.model.assets import Asset, Column, Table  # noqa: E402
from pyatlan.model.core import Announcement  # noqa: E402
from pyatlan.model.custom_metadata import CustomMetadataDict  # noqa: E402
from pyatlan.model.enums import AnnouncementType, AtlanCustomAttributePrimitiveType, AtlanTypeCategory  # noqa: E402
from pyatlan.model.fluent_search import CompoundQuery, FluentSearch  # noqa: E402
from pyatlan.model.typedef import AttributeDef, CustomMetadataDef  # noqa: E402

SF = "default/snowflake/1700000000"
ORDERS = f"{SF}/SALES/PUBLIC/ORDERS"


@pytest.fixture
def client(atlan_sandbox) -> AtlanClient:
    return AtlanClient(base_url=atlan_sandbox.url, api_key=atlan_sandbox.token)


def test_pyatlan_checks_the_token_with_the_current_user(client):
    user = client.user.get_current()
    assert user.username == "service-account-apikey-plumbline-demo"


def test_pyatlan_gets_an_authentication_error_for_an_unknown_token(atlan_sandbox):
    bad = AtlanClient(base_url=atlan_sandbox.url, api_key="not-a-token")
    with pytest.raises(AuthenticationError):
        bad.user.get_current()


def test_pyatlan_fluent_search_lists_tables_and_columns_of_a_connection_with_tag_names(client):
    request = (
        FluentSearch()
        .where(CompoundQuery.active_assets())
        .where(CompoundQuery.asset_types([Table, Column]))
        .where(Asset.CONNECTION_QUALIFIED_NAME.eq(SF))
        .include_on_results(Asset.ATLAN_TAGS)
        .page_size(20)
    ).to_request()
    results = client.asset.search(request)
    assets = list(results)
    assert results.count == len(assets) == 54  # 3 pages of 20
    by_name = {(a.type_name, a.name): a for a in assets}
    orders = by_name[("Table", "ORDERS")]
    assert [str(t.type_name) for t in orders.atlan_tags] == ["FINANCE"]
    email = by_name[("Column", "EMAIL")]
    tags = {str(t.type_name): t for t in email.atlan_tags}
    assert set(tags) == {"Confidential", "PII"}
    customers_guid = by_name[("Table", "CUSTOMERS")].guid
    assert tags["PII"].entity_guid == customers_guid  # propagated from its table
    assert tags["Confidential"].entity_guid == email.guid


def test_pyatlan_reads_tag_and_custom_metadata_typedefs(client):
    tags = client.typedef.get(AtlanTypeCategory.CLASSIFICATION)
    assert {t.display_name for t in tags.atlan_tag_defs} >= {"PII", "FINANCE", "Deprecated <legacy>"}
    cms = client.typedef.get(AtlanTypeCategory.CUSTOM_METADATA)
    (ownership,) = cms.custom_metadata_defs
    assert ownership.display_name == "Data Ownership"
    assert [a.display_name for a in ownership.attribute_defs] == ["Steward", "Domain", "Runbook"]
    assert client.custom_metadata_cache.get_id_for_name("Data Ownership") == ownership.name


def _create_dq_set(client: AtlanClient) -> CustomMetadataDef:
    cm = CustomMetadataDef.create(display_name="Plumbline Data Quality")
    cm.attribute_defs = [
        AttributeDef.create(
            client=client,
            display_name="Quality Score",
            attribute_type=AtlanCustomAttributePrimitiveType.DECIMAL,
        ),
        AttributeDef.create(
            client=client, display_name="Plumbline Link", attribute_type=AtlanCustomAttributePrimitiveType.URL
        ),
    ]
    cm.options = CustomMetadataDef.Options.with_logo_as_emoji(emoji="📊")
    (created,) = client.typedef.create(cm).custom_metadata_defs
    return created


def test_pyatlan_creates_a_custom_metadata_set(client, atlan_sandbox):
    created = _create_dq_set(client)
    assert created.display_name == "Plumbline Data Quality" and len(created.name) == 22
    assert {a.display_name for a in created.attribute_defs} == {"Quality Score", "Plumbline Link"}
    assert all(len(a.name) == 22 for a in created.attribute_defs)
    assert atlan_sandbox.store.cm_set_by_name("Plumbline Data Quality")["name"] == created.name


def test_pyatlan_sets_custom_metadata_on_an_asset(client, atlan_sandbox):
    _create_dq_set(client)
    table = client.asset.get_by_qualified_name(ORDERS, Table, ignore_relationships=True)
    values = CustomMetadataDict(client=client, name="Plumbline Data Quality")
    values["Quality Score"] = 71.5
    values["Plumbline Link"] = "http://plumbline.test/containers/1"
    client.asset.update_custom_metadata_attributes(table.guid, values)
    assert atlan_sandbox.store.custom_metadata(ORDERS)["Plumbline Data Quality"] == {
        "Quality Score": 71.5,
        "Plumbline Link": "http://plumbline.test/containers/1",
    }
    reread = client.asset.get_by_guid(table.guid, Table)
    assert reread.get_custom_metadata(client=client, name="Plumbline Data Quality")["Quality Score"] == 71.5


def test_pyatlan_sets_and_removes_an_announcement(client, atlan_sandbox):
    qn = f"{SF}/SALES/PUBLIC/PAYMENTS"
    announcement = Announcement(
        announcement_type=AnnouncementType.WARNING,
        announcement_title="2 active anomalies",
        announcement_message="See Plumbline for details",
    )
    updated = client.asset.update_announcement(Table, qn, "PAYMENTS", announcement)
    assert updated is not None and updated.announcement_title == "2 active anomalies"
    stored = atlan_sandbox.store.announcement(qn)
    assert stored["type"] == "warning" and stored["updated_by"] == "service-account-apikey-plumbline-demo"
    client.asset.remove_announcement(Table, qn, "PAYMENTS")
    assert atlan_sandbox.store.announcement(qn) is None
    assert client.asset.get_by_qualified_name(qn, Table).announcement_type is None


def test_pyatlan_saves_custom_metadata_and_an_announcement_on_tables(client, atlan_sandbox):
    _create_dq_set(client)
    payments = f"{SF}/SALES/PUBLIC/PAYMENTS"
    updates = []
    for qn, name, score in ((ORDERS, "ORDERS", 71.5), (payments, "PAYMENTS", 42.0)):
        table = Table.updater(qualified_name=qn, name=name)
        values = table.get_custom_metadata(client=client, name="Plumbline Data Quality")
        values["Quality Score"] = score
        values["Plumbline Link"] = f"http://plumbline.test/containers/{name.lower()}"
        table.set_custom_metadata(client=client, custom_metadata=values)
        updates.append(table)
    updates[1].announcement_type = AnnouncementType.ISSUE
    updates[1].announcement_title = "1 active anomaly"
    orders_announcement = atlan_sandbox.store.announcement(ORDERS)
    atlan_sandbox.store.reset_counts()
    response = client.asset.save(updates, replace_custom_metadata=True)  # POST /api/meta/entity/bulk/
    assert atlan_sandbox.store.write_count("entity.bulk") == 1
    assert {a.qualified_name for a in response.assets_updated(Table)} == {ORDERS, payments}
    assert atlan_sandbox.store.custom_metadata(ORDERS)["Plumbline Data Quality"] == {
        "Quality Score": 71.5,
        "Plumbline Link": "http://plumbline.test/containers/orders",
    }
    assert atlan_sandbox.store.custom_metadata(ORDERS)["Data Ownership"]  # merged, not replaced
    reread = client.asset.get_by_qualified_name(payments, Table)
    assert reread.get_custom_metadata(client=client, name="Plumbline Data Quality")["Quality Score"] == 42.0
    assert reread.announcement_type == AnnouncementType.ISSUE
    assert reread.announcement_title == "1 active anomaly"
    assert reread.announcement_updated_by == "service-account-apikey-plumbline-demo"
    assert atlan_sandbox.store.announcement(ORDERS) == orders_announcement  # not sent, so kept


def test_the_sandbox_answers_its_routes_with_a_trailing_slash(atlan_sandbox):
    import requests

    answer = requests.get(f"{atlan_sandbox.url}/api/service/users/current/", headers=atlan_sandbox.headers())
    assert answer.status_code == 200 and answer.json()["username"]
    missing = requests.get(f"{atlan_sandbox.url}/api/meta/nothing/", headers=atlan_sandbox.headers())
    assert missing.status_code == 404


@pytest.mark.parametrize("bulk", [False, True], ids=["offset", "bulk"])
def test_pyatlan_pages_a_search_with_every_asset_once_while_saving_between_pages(atlan_sandbox, bulk):
    """pyatlan's offset paging, and its bulk paging by a `__timestamp` range, over the sandbox's
    fast paths, with a save every 20 assets as a script updating what it reads does."""
    from sandbox.atlan.generator import generate

    store = atlan_sandbox.load_scenario(generate(tables=30, columns=8, connections=1)[0])
    client = AtlanClient(base_url=atlan_sandbox.url, api_key=atlan_sandbox.token)
    conn = next(iter(store.of_type("Connection")))["attributes"]["qualifiedName"]
    search = (
        FluentSearch()
        .where(CompoundQuery.active_assets())
        .where(CompoundQuery.asset_types([Table, Column]))
        .where(Asset.CONNECTION_QUALIFIED_NAME.eq(conn))
        .page_size(20)
    )
    expected = {g for g in store.in_connection(conn) if store.get(g)["typeName"] in ("Table", "Column")}
    seen = []
    for asset in search.execute(client, bulk=bulk):
        seen.append(asset.guid)
        if len(seen) % 20 == 1:
            updater = type(asset).updater(qualified_name=asset.qualified_name, name=asset.name)
            updater.user_description = "checked"
            client.asset.save([updater])
    assert len(seen) == len(set(seen)) == len(expected) == 30 * 9
    assert set(seen) == expected
    assert store.request_count("search") > 270 // 20
    assert sum(1 for g in expected if store.get(g)["attributes"].get("userDescription") == "checked") == 14
