"""Django set-up shared by the scale process and the sync worker (a throwaway SQLite file DB)."""

from __future__ import annotations

import os


def django_setup(db_path: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DEBUG"] = "true"
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    import django

    django.setup()


class QueryCounter:
    """Counts the queries on the current thread's connection without keeping their text."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):  # noqa: ANN001, ANN204
        self.count += 1
        return execute(sql, params, many, context)
