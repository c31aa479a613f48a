"""Plain rows into a table, for the few places a sync writes thousands of them.

At that size Django's `bulk_create` spends more time building model instances and compiling
SQL than the database spends storing the rows (a profile of a 20,000-asset first sync: 8 of its
30 s creating asset links); here each row is a tuple in the table's column order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

_PER_CALL = 5000


def rows_insert(model: type[models.Model], columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert the rows (values already in database form) in one transaction."""
    if not rows:
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    places = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({places})"
    # One transaction: in autocommit SQLite would commit every row on its own.
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(rows), _PER_CALL):
            cursor.executemany(sql, rows[start : start + _PER_CALL])


def db_now() -> Any:
    """Now, as the database stores a DateTimeField (computed once per batch of rows)."""
    return connection.ops.adapt_datetimefield_value(timezone.now())
