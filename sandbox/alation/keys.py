"""Alation object keys: `<ds_id>.<schema>.<table>[.<column>]`.

A name part that holds a dot is double-quoted (`7."HR.2017"."Employees.FullTime"`) and an
embedded double quote is backslash-escaped. Sources with multipart schemas (Snowflake, SQL
Server, Redshift, BigQuery, Databricks, …) name their schemas `DB.SCHEMA`, so their keys have
one part more. Alation lower-cases keys before it looks them up, so lookups here ignore case.
"""

from __future__ import annotations

MULTIPART_DBTYPES = frozenset(
    {
        "snowflake",
        "sqlserver",
        "azure_sql",
        "redshift",
        "bigquery",
        "databricks",
        "databricks_unity",
        "trino",
        "athena",
        "netezza",
        "sap_ase",
        "emr_presto",
    }
)


def quote_part(name: str) -> str:
    escaped = name.replace('"', '\\"')
    return f'"{escaped}"' if "." in name else escaped


def split_key(key: str) -> list[str]:
    """The unquoted parts of a key (or a multipart schema name); dots inside quotes stay."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    i = 0
    while i < len(key):
        ch = key[i]
        if ch == "\\" and i + 1 < len(key):
            current.append(key[i + 1])
            i += 2
            continue
        if ch == '"':
            quoted = not quoted
        elif ch == "." and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


def schema_parts(schema_name: str, multipart: bool) -> list[str]:
    return split_key(schema_name) if multipart else [schema_name]


def join_key(ds_id: int, parts: list[str]) -> str:
    return ".".join([str(ds_id), *(quote_part(p) for p in parts)])


def lookup_tuple(parts: list[str]) -> tuple[str, ...]:
    return tuple(p.lower() for p in parts)
