"""Generate large Alation scenarios (and the matching Plumbline catalog) for the benchmark.

    python -m sandbox.alation.generator --tables 2000 --columns 50 --out big.json \
        [--catalog-out big-catalog.json] [--sources 4] [--seed 1]

`generate()` returns both dicts: the sandbox scenario and a catalog in the `load_catalog`
format. About a third of the tables and columns carry Alation tags; about 1% of tables exist on
one side only and about 5% differ only in case, so matching has real work to do.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

# (Plumbline connector type, Alation dbtype, host, database, schema, data source API)
SOURCES = [
    ("snowflake", "snowflake", "acme.snowflakecomputing.com", "ANALYTICS", "PUBLIC", "v2"),
    ("postgresql", "postgresql", "pg.bench.internal", "app", "public", "v1"),
    ("sqlserver", "sqlserver", "mssql.bench.internal", "DW", "dbo", "v2"),
    ("bigquery", "bigquery", "bigquery.googleapis.com", "acme-prod", "warehouse", "v2"),
    ("databricks", "databricks", "adb-1.azuredatabricks.net", "main", "silver", "v2"),
    ("redshift", "redshift", "redshift.bench.internal", "dev", "public", "v2"),
    ("mysql", "mysql", "mysql.bench.internal", "shop", "shop", "v1"),
    ("oracle", "oracle", "oracle.bench.internal", "ORCL", "SALES", "v1"),
]
MULTIPART = {"snowflake", "sqlserver", "bigquery", "databricks", "redshift"}
ALATION_TAGS = ["PII", "Confidential", "Finance", "Gold Layer", "Tier 1", "Deprecated", "GDPR", "Marketing"]
GLOBAL_TAGS = [
    {
        "name": "finance",
        "color": "#27AE60",
        "description": "Shares its name with an Alation tag",
        "category": "Domain",
    },
    {"name": "Critical", "color": "#E74C3C", "description": "Business-critical", "category": "Priority"},
    {"name": "Needs Review", "color": "#F39C12", "description": "", "category": "Process"},
]
FACTORS = (
    "completeness",
    "coverage",
    "conformity",
    "consistency",
    "precision",
    "timeliness",
    "volumetrics",
    "accuracy",
)
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
    factors = {k: round(min(100.0, max(0.0, base + rng.uniform(-12, 12))), 1) for k in FACTORS}
    return {"recorded_at": "2026-11-01T00:00:00Z", "total": round(sum(factors.values()) / 8, 1), **factors}


def _container(rng: random.Random, name: str, fields: list[dict[str, Any]]) -> dict[str, Any]:
    active = rng.randrange(1, 4) if rng.random() < 0.1 else 0
    check = f"{name}-not-null"
    return {
        "name": name,
        "type": "table",
        "tags": ["Critical"] if rng.random() < 0.05 else [],
        "scores": [_score(rng)],
        "fields": fields,
        "checks": [
            {
                "key": check,
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
                "message": f"{rng.randrange(1, 5000)} rows failed {check}",
                "created_at": "2026-11-20T08:00:00Z",
                "check": check,
            }
            for i in range(active)
        ],
    }


def _source(
    rng: random.Random, index: int, count: int, columns: int, field_scores: bool
) -> tuple[dict, dict]:
    p_type, dbtype, host, database, schema, api = SOURCES[index]
    tables, containers = [], []
    for t in range(count):
        name = f"{_NOUNS[t % len(_NOUNS)]}_{index}_{t:05d}"
        alation_columns, fields = [], []
        for k in range(columns):
            col, dtype = f"{_COLS[k % len(_COLS)]}_{k:03d}", _TYPES[(k + t) % len(_TYPES)]
            entry: dict[str, Any] = {"name": col, "type": dtype}
            if rng.random() < 0.33:
                entry["tags"] = [rng.choice(ALATION_TAGS)]
            alation_columns.append(entry)
            fields.append({"name": col, "type": dtype, **({"scores": [_score(rng)]} if field_scores else {})})
        table: dict[str, Any] = {
            "name": name.upper() if rng.random() < 0.05 else name,
            "columns": alation_columns,
        }
        if rng.random() < 0.33:
            table["tags"] = [rng.choice(ALATION_TAGS)]
        roll = rng.random()
        if roll >= 0.01:  # 1% exist in Plumbline only
            tables.append(table)
        if not 0.01 <= roll < 0.02:  # 1% exist in Alation only
            containers.append(_container(rng, name, fields))
    schema_name = f"{database}.{schema}" if dbtype in MULTIPART else schema
    source = {
        "id": index + 1,
        "title": f"Bench {p_type} {index}",
        "dbtype": dbtype,
        "host": host,
        "dbname": database,
        "api": api,
        "schemas": [{"name": schema_name, "tags": ["Gold Layer"] if index == 0 else [], "tables": tables}],
    }
    datastore = {
        "name": f"Bench {p_type} {index}",
        "connector_type": p_type,
        "store_type": "jdbc",
        "host": host,
        "database": database,
        "schema": schema,
        "tags": [],
        "scores": [_score(rng)],
        "containers": containers,
    }
    return source, datastore


def generate(
    *, tables: int = 2000, columns: int = 50, sources: int = 4, seed: int = 1, field_scores: bool = False
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A scenario and the matching Plumbline catalog, both as JSON-ready dicts."""
    rng = random.Random(seed)
    sources = max(1, min(sources, len(SOURCES)))
    pairs = [
        _source(rng, i, tables // sources + (1 if i < tables % sources else 0), columns, field_scores)
        for i in range(sources)
    ]
    scenario = {
        "name": f"generated-{tables}x{columns}",
        "description": f"{tables} tables x {columns} columns over {sources} data sources (seed {seed})",
        "created_at": "2026-10-18T12:00:00Z",
        "demo": {"user_id": 7, "refresh_token": "plumbline-demo-refresh-token"},
        "users": [
            {"id": 1, "username": "admin", "display_name": "Alation Admin", "admin": True},
            {"id": 7, "username": "plumbline", "display_name": "Plumbline Service"},
            {
                "id": 8,
                "username": "plumbline-limited",
                "display_name": "Plumbline (first source)",
                "data_sources": [1],
            },
        ],
        "refresh_tokens": [
            {"token": "plumbline-demo-refresh-token", "user_id": 7, "name": "Plumbline demo"},
            {
                "token": "plumbline-limited-refresh-token",
                "user_id": 8,
                "name": "Plumbline, first source only",
            },
        ],
        "tags": [{"name": n, "description": ""} for n in ALATION_TAGS],
        "data_sources": [source for source, _ in pairs],
        "domains": [
            {"id": i + 1, "title": f"Domain {i + 1}", "members": [{"otype": "data", "key": str(i + 1)}]}
            for i in range(sources)
        ],
    }
    return scenario, {"tags": GLOBAL_TAGS, "datastores": [datastore for _, datastore in pairs]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate a large Alation sandbox scenario.")
    parser.add_argument("--tables", type=int, default=2000)
    parser.add_argument("--columns", type=int, default=50)
    parser.add_argument("--sources", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--field-scores", action="store_true", help="give every field one score")
    parser.add_argument("--out", required=True, help="where to write the scenario JSON")
    parser.add_argument("--catalog-out", help="where to write the matching Plumbline catalog JSON")
    args = parser.parse_args(argv)
    scenario, catalog = generate(
        tables=args.tables,
        columns=args.columns,
        sources=args.sources,
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
