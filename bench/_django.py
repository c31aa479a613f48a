"""Django set-up shared by the scale process and the sync worker (a throwaway SQLite file DB)."""

from __future__ import annotations

import os


def django_setup(db_path: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    # Production settings (DEBUG off keeps no query log); fixed keys for a throwaway database,
    # shared by the bench and its worker child through the environment.
    os.environ["DEBUG"] = "false"
    os.environ["PLUMBLINE_ALLOW_LOOPBACK"] = "true"  # the sandbox listens on loopback
    os.environ["SECURE_SSL_REDIRECT"] = "false"  # the page timings use Django's test client, plain http
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-for-a-throwaway-database")
    os.environ.setdefault("PLUMBLINE_ENCRYPTION_KEYS", "YmVuY2gtb25seS1rZXktdGhyb3dhd2F5LWRiLTAxMjM=")
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    import warnings

    import django

    # whitenoise warns once that STATIC_ROOT was never collected; the bench serves no static files.
    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()


class QueryCounter:
    """Counts the queries on the current thread's connection without keeping their text."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):  # noqa: ANN001, ANN204
        self.count += 1
        return execute(sql, params, many, context)


def urls_warm() -> None:
    """Load the URL configuration, as a worker has after its first run: an event push builds
    Plumbline links with reverse(), and the first reverse() in a process imports every view and
    the API (half a second) — a cost of the process's start, not of the push being timed."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (the import is the point)
