"""The pull's peak Python memory at two sizes (issue 17): `python -m bench.pull_memory 20000 100000`.

`--no-trace` times the pull without tracemalloc (which slows allocation-heavy code down).
A throwaway SQLite file per size: one datastore of tables × 50 columns, each column wanted with two
catalog tags (one new, one already assigned), and one assignment per table the catalog lost (so the
pull adds, keeps and removes). tracemalloc measures from handing the tags to the collector to the
end of the pull, not the set-up. Prints one line per size; not a test (it takes a minute).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import tracemalloc

from bench._django import django_setup

COLUMNS = 50


def measure(wanted: int, *, trace: bool = True) -> tuple[float, float, int]:
    """(peak MB, seconds, assignments written) of a pull with about `wanted` wanted assignments."""
    from django.core.management import call_command

    from catalog.models import Container, Datastore, Field, FieldTag, Tag
    from integrations.models import Integration, SyncRun
    from integrations.sync.context import RunContext
    from integrations.sync.tags import CatalogTag
    from integrations.sync.tags_apply import PullCollector, pull_finish

    call_command("migrate", verbosity=0)
    integration = Integration(name="Atlan", url="https://acme.atlan.com")
    integration.token = "t"
    integration.save()
    ds = Datastore.objects.create(name="Sales", connector_type="snowflake")
    tables = max(1, wanted // (2 * COLUMNS))
    Container.objects.bulk_create([Container(datastore=ds, name=f"T{i:06}") for i in range(tables)])
    containers = list(Container.objects.filter(datastore=ds).values_list("id", flat=True))
    Field.objects.bulk_create(
        [Field(container_id=c, name=f"C{j:02}") for c in containers for j in range(COLUMNS)], batch_size=5000
    )
    old = Tag.objects.create(name="Kept", tag_type="external", integration=integration)
    lost = Tag.objects.create(name="Lost", tag_type="external", integration=integration)
    fields = list(Field.objects.values_list("id", "container_id"))
    # Every column already has "Kept"; the first column of each table has "Lost", which the catalog lost.
    firsts = {c: f for f, c in reversed(fields)}
    FieldTag.objects.bulk_create([FieldTag(field_id=f, tag=old) for f, _ in fields], batch_size=5000)
    FieldTag.objects.bulk_create([FieldTag(field_id=f, tag=lost) for f in firsts.values()], batch_size=5000)
    run = SyncRun.objects.create(integration=integration, pull=True, status="running")
    ctx = RunContext(run)
    keys = [("field", f) for f, _ in fields]
    tags = {key: ["Kept", "PII"] for key in keys}
    catalog = [CatalogTag("Kept", "#DC2626"), CatalogTag("PII", "#DC2626")]
    del fields, firsts
    start = time.perf_counter()
    if trace:
        tracemalloc.start()
    try:
        collector = PullCollector(catalog="Atlan", run_id=run.pk)
    except TypeError:  # the collector from before issue 17, measured the same way
        collector = PullCollector(catalog="Atlan")  # type: ignore[call-arg]
    collector.datastore_add(ds.id, scope=keys, labels={}, tags=tags, sources={})
    del tags
    pull_finish(ctx, collector, catalog, integration=integration)
    ctx.changes_flush()
    _, peak = tracemalloc.get_traced_memory() if trace else (0, 0)
    tracemalloc.stop()
    took = time.perf_counter() - start
    return peak / 2**20, took, FieldTag.objects.filter(tag__name="PII").count()


def main() -> None:
    trace = "--no-trace" not in sys.argv
    sizes = [int(arg) for arg in sys.argv[1:] if arg.isdigit()] or [20_000, 100_000]
    if os.environ.get("PULL_MEMORY_CHILD"):
        peak, took, written = measure(sizes[0], trace=trace)
        print(f"{sizes[0]:>9,} wanted assignments: peak {peak:6.1f} MB, {took:5.1f} s, {written:,} added")
        return
    import subprocess

    for size in sizes:  # one process per size: a fresh heap and a fresh database
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "PULL_MEMORY_CHILD": "1", "PULL_MEMORY_DB": os.path.join(tmp, "db.sqlite3")}
            args = [sys.executable, "-m", "bench.pull_memory", str(size), *([] if trace else ["--no-trace"])]
            subprocess.run(args, env=env, check=True)


if __name__ == "__main__":
    if os.environ.get("PULL_MEMORY_CHILD"):
        django_setup(os.environ["PULL_MEMORY_DB"])
    main()
