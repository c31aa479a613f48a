"""The comparison's end state, read from a sandbox store, and the reset between the two clients."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from bench.compare import catalog_state, states_compare, store_reset
from sandbox.atlan import typedefs as td
from sandbox.atlan.generator import generate
from sandbox.atlan.scenario import build_store


def test_catalog_state_keys_values_and_announcements_by_names() -> None:
    scenario, _ = generate(tables=4, columns=2, connections=1)
    store = build_store(scenario)
    definition = store.create_cm_set("Plumbline", [td.simple_attribute("Anomaly Count", "int")])
    attr_hash = definition["attributeDefs"][0]["name"]
    table = next(store.of_type("Table"))
    column = next(store.of_type("Column"))
    table["business"][definition["name"]] = {attr_hash: 2}
    table["attributes"].update(announcementType="warning", announcementTitle="Plumbline: 2 active anomalies")
    column["business"][definition["name"]] = {attr_hash: 0}

    state = catalog_state(store)

    table_key = f"snowflake/analytics/public/{table['attributes']['name'].lower()}"
    assert state[table_key] == {
        "type": "Table",
        "values": {"Anomaly Count": 2},
        "announcement": {"type": "warning", "title": "Plumbline: 2 active anomalies", "message": ""},
    }
    column_key = (
        f"snowflake/analytics/public/{column['attributes']['tableName']}/{column['attributes']['name']}"
    )
    assert state[column_key.lower()]["values"] == {"Anomaly Count": 0}
    assert len(state) == 2

    replaced: list[Any] = []
    sandbox = SimpleNamespace(server=SimpleNamespace(replace_store=replaced.append))
    fresh = store_reset(sandbox, scenario, definition)
    assert replaced == [fresh]
    assert catalog_state(fresh) == {}  # the same catalog, before any values were written
    assert fresh.cm_set_by_name("Plumbline")["name"] == definition["name"]  # the set, with its hashes
    assert states_compare(state, catalog_state(fresh))["only_first"] == 2
