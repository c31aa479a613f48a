"""Generate large scenarios (and the matching Plumbline catalog) for the benchmark.

    python -m sandbox.atlan.generator --tables 2000 --columns 50 --out big.json \
        [--catalog-out big_catalog.json] [--connections 4] [--seed 1]

`generate()` returns both dicts: the sandbox scenario and a catalog in the `load_catalog` format.
About a third of the tables and columns carry Atlan tags; about 1% of tables exist on one side
only and about 5% differ only in case, so matching has real work to do.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

# (Plumbline connector type, Atlan connector slug, database, schema)
CONNECTORS = [
    ("snowflake", "snowflake", "ANALYTICS", "PUBLIC"),
    ("postgresql", "postgres", "app", "public"),
    ("sqlserver", "mssql", "DW", "dbo"),
    ("bigquery", "bigquery", "acme-prod", "warehouse"),
    ("databricks", "databricks", "main", "silver"),
    ("redshift", "redshift", "dev", "public"),
    ("mysql", "mysql", "shop", "shop"),
    ("oracle", "oracle", "ORCL", "SALES"),
]
ATLAN_TAGS = [
    ("PII", "Red"),
    ("Confidential", "Yellow"),
    ("Finance", "Green"),
    ("Gold Layer", "Gray"),
    ("Tier 1", "Blue"),
    ("Deprecated", "Gray"),
    ("GDPR", "Red"),
    ("Marketing", "Purple"),
]
GLOBAL_TAGS = [
    {
        "name": "finance",
        "color": "#27AE60",
        "description": "Shares its name with an Atlan tag",
        "category": "Domain",
    },
    {"name": "Critical", "color": "#E74C3C", "description": "Business-critical", "category": "Priority"},
    {"name": "Needs Review", "color": "#F39C12", "description": "", "category": "Process"},
]
_NOUNS = [
    "orders",
    "customers",
    "events",
    "payments",
    "invoices",
    "sessions",
    "products",
    "shipments",
    "refunds",
]
_COLS = ["id", "created_at", "updated_at", "amount", "status", "email", "country", "user_id", "score", "note"]
_TYPES = ["NUMBER", "VARCHAR", "TIMESTAMP_NTZ", "BOOLEAN", "DATE", "FLOAT"]


def _score(rng: random.Random) -> dict[str, Any]:
    base = rng.uniform(45, 98)
    factors = {
        k: round(min(100.0, max(0.0, base + rng.uniform(-12, 12))), 1)
        for k in (
            "completeness",
            "coverage",
            "conformity",
            "consistency",
            "precision",
            "timeliness",
            "volumetrics",
            "accuracy",
        )
    }
    return {"recorded_at": "2026-11-01T00:00:00Z", "total": round(sum(factors.values()) / 8, 1), **factors}


def generate(
    *,
    tables: int = 2000,
    columns: int = 50,
    connections: int = 4,
    seed: int = 1,
    field_scores: bool = False,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A scenario and the matching Plumbline catalog, both as JSON-ready dicts."""
    rng = random.Random(seed)
    connections = max(1, min(connections, len(CONNECTORS)))
    scenario_connections = []
    datastores = []
    for c in range(connections):
        p_type, slug, database, schema = CONNECTORS[c]
        conn_qn = f"default/{slug}/{1700000000 + c * 100}"
        count = tables // connections + (1 if c < tables % connections else 0)
        atlan_tables = []
        containers = []
        for t in range(count):
            name = f"{_NOUNS[t % len(_NOUNS)]}_{c}_{t:05d}"
            atlan_name = name.upper() if rng.random() < 0.05 else name
            table_tags: list[Any] = []
            if rng.random() < 0.33:
                tag = ATLAN_TAGS[rng.randrange(len(ATLAN_TAGS))][0]
                table_tags.append({"name": tag, "propagate": rng.random() < 0.3})
            atlan_columns = []
            fields = []
            for k in range(columns):
                col = f"{_COLS[k % len(_COLS)]}_{k:03d}"
                dtype = _TYPES[(k + t) % len(_TYPES)]
                col_entry: dict[str, Any] = {"name": col, "data_type": dtype}
                if rng.random() < 0.33:
                    col_entry["tags"] = [ATLAN_TAGS[rng.randrange(len(ATLAN_TAGS))][0]]
                atlan_columns.append(col_entry)
                field: dict[str, Any] = {"name": col, "type": dtype}
                if field_scores:
                    field["scores"] = [_score(rng)]
                fields.append(field)
            roll = rng.random()
            only_plumbline = roll < 0.01
            only_atlan = 0.01 <= roll < 0.02
            if not only_plumbline:
                atlan_tables.append(
                    {"name": atlan_name, "type": "Table", "tags": table_tags, "columns": atlan_columns}
                )
            if not only_atlan:
                active = rng.randrange(1, 4) if rng.random() < 0.1 else 0
                containers.append(
                    {
                        "name": name,
                        "type": "table",
                        "tags": ["Critical"] if rng.random() < 0.05 else [],
                        "scores": [_score(rng)],
                        "fields": fields,
                        "checks": [
                            {
                                "key": f"{name}-not-null",
                                "rule_type": "notNull",
                                "description": f"{fields[0]['name']} is never null" if fields else "not null",
                                "status": "active",
                                "fields": [fields[0]["name"]] if fields else [],
                            }
                        ],
                        "anomalies": [
                            {
                                "key": f"{name}-a{i}",
                                "type": "record",
                                "status": "active",
                                "message": f"{rng.randrange(1, 5000)} rows failed {name}-not-null",
                                "created_at": "2026-11-20T08:00:00Z",
                                "check": f"{name}-not-null",
                            }
                            for i in range(active)
                        ],
                    }
                )
        scenario_connections.append(
            {
                "name": f"{slug}-bench-{c}",
                "connector": slug,
                "qualified_name": conn_qn,
                "databases": [
                    {
                        "name": database,
                        "schemas": [
                            {"name": schema, "tags": ["Gold Layer"] if c == 0 else [], "tables": atlan_tables}
                        ],
                    }
                ],
            }
        )
        datastores.append(
            {
                "name": f"Bench {p_type} {c}",
                "connector_type": p_type,
                "store_type": "jdbc",
                "host": f"{slug}.bench.internal",
                "database": database,
                "schema": schema,
                "tags": [],
                "scores": [_score(rng)],
                "containers": containers,
            }
        )
    scenario = {
        "name": f"generated-{tables}x{columns}",
        "description": f"{tables} tables x {columns} columns over {connections} connections (seed {seed})",
        "created_at": 1761000000000,
        "tags": [{"name": n, "color": color, "description": ""} for n, color in ATLAN_TAGS],
        "custom_metadata": [],
        "connections": scenario_connections,
        "tokens": [
            {
                "token": "plumbline-demo-token",
                "username": "service-account-apikey-plumbline-demo",
                "connections": None,
                "can_edit_custom_metadata": True,
            }
        ],
    }
    catalog = {"tags": GLOBAL_TAGS, "datastores": datastores}
    return scenario, catalog


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate a large Atlan sandbox scenario.")
    parser.add_argument("--tables", type=int, default=2000)
    parser.add_argument("--columns", type=int, default=50)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--field-scores", action="store_true", help="give every field one score")
    parser.add_argument("--out", required=True, help="where to write the scenario JSON")
    parser.add_argument("--catalog-out", help="where to write the matching Plumbline catalog JSON")
    args = parser.parse_args(argv)
    scenario, catalog = generate(
        tables=args.tables,
        columns=args.columns,
        connections=args.connections,
        seed=args.seed,
        field_scores=args.field_scores,
    )
    Path(args.out).write_text(json.dumps(scenario), encoding="utf-8")
    if args.catalog_out:
        Path(args.catalog_out).write_text(json.dumps(catalog), encoding="utf-8")
    sys.stdout.write(f"wrote {args.out}" + (f" and {args.catalog_out}" if args.catalog_out else "") + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
