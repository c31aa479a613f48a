"""What a connector works through during a run: log, counters, audit, issues and safe points.

Connectors never touch SyncRun directly; the run lifecycle in `integrations.runs` owns it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from integrations.models import Integration, SyncChange, SyncIssue, SyncLogLine, SyncRun

MAX_ERROR_SAMPLES = 20
_FLUSH_CHANGES_AT = 2000
# The audit rows as plain tuples: a first sync records one row per changed attribute, hundreds of
# thousands at scale, and building model instances for them cost more than the sync itself.
_CHANGE_COLUMNS = (
    "run_id",
    "datastore",
    "asset",
    "catalog_ref",
    "kind",
    "attribute",
    "before",
    "after",
    "applied",
)


class RunCancelled(Exception):
    """Raised at a safe point when someone asked the run to stop."""


class RunStopped(Exception):
    """Raised by a connector when the run cannot go on (e.g. a safety threshold tripped)."""


class RunContext:
    """What a connector gets: the run's options, a log, counters, audit and safe points."""

    def __init__(self, run: SyncRun):
        self.run = run
        self.integration: Integration = run.integration
        self.counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.errors = 0
        self.warnings = 0
        self._changes: list[tuple[int | str | bool, ...]] = []
        self._last_flush = timezone.now()

    @property
    def preview(self) -> bool:
        return self.run.preview

    # Log and counters -----------------------------------------------------------------------
    def log(self, message: str, *, level: str = "INFO", datastore: str = "") -> None:
        SyncLogLine.objects.create(
            run=self.run, at=timezone.now(), level=level, datastore=datastore[:255], message=message
        )
        self._beat()

    def count(self, datastore: str, key: str, n: int = 1) -> None:
        self.counts[datastore][key] += n

    def error(self, message: str, *, datastore: str = "", asset: str = "") -> None:
        """A failure on one asset or datastore: logged, sampled, and the run goes on."""
        self.errors += 1
        self.count(datastore, "errors")
        samples = self.run.error_samples
        if len(samples) < MAX_ERROR_SAMPLES:
            samples.append({"datastore": datastore, "asset": asset, "message": message[:500]})
        self.log(f"{asset + ': ' if asset else ''}{message}", level="ERROR", datastore=datastore)

    def warning(self, message: str, *, datastore: str = "", count: int = 1) -> None:
        """Something was skipped (the run goes on and ends "Succeeded with warnings"): logged, counted."""
        self.warnings += count
        self.log(message, level="WARNING", datastore=datastore)

    def change(
        self,
        *,
        datastore: str,
        asset: str,
        kind: str,
        before: str = "",
        after: str = "",
        catalog_ref: str = "",
        attribute: str = "",
    ) -> None:
        self._changes.append(
            (
                self.run.pk,
                datastore[:255],
                asset[:1000],
                catalog_ref[:1000],
                kind,
                attribute[:255],
                before,
                after,
                not self.preview,
            )
        )
        if len(self._changes) >= _FLUSH_CHANGES_AT:
            self.changes_flush()

    def issue(self, *, kind: str, level: str, datastore: str, path: str, reason: str) -> None:
        SyncIssue.objects.create(
            run=self.run, kind=kind, level=level, datastore=datastore, path=path, reason=reason
        )

    def issues_bulk(self, issues: Iterable[SyncIssue]) -> None:
        batch = list(issues)
        for item in batch:
            item.run = self.run
        SyncIssue.objects.bulk_create(batch, batch_size=2000)

    def progress(self, done: int, total: int) -> None:
        self.run.progress_done, self.run.progress_total = done, total

    def set_requests(self, reads: int, writes: int) -> None:
        self.run.requests_read, self.run.requests_write = reads, writes

    # Safe points --------------------------------------------------------------------------
    def checkpoint(self) -> None:
        """Save progress and stop here if a cancel was asked for. Call between pages and datastores."""
        self.changes_flush()
        self.progress_save()
        if SyncRun.objects.filter(pk=self.run.pk, cancel_requested=True).exists():
            raise RunCancelled

    def _beat(self) -> None:
        now = timezone.now()
        if (now - self._last_flush).total_seconds() >= 2:
            self.progress_save()

    def progress_save(self) -> None:
        self._last_flush = timezone.now()
        self.run.counts = {ds: dict(values) for ds, values in self.counts.items()}
        self.run.heartbeat_at = self._last_flush
        self.run.warnings = self.warnings
        SyncRun.objects.filter(pk=self.run.pk).update(
            warnings=self.run.warnings,
            counts=self.run.counts,
            heartbeat_at=self.run.heartbeat_at,
            progress_done=self.run.progress_done,
            progress_total=self.run.progress_total,
            error_samples=self.run.error_samples,
            requests_read=self.run.requests_read,
            requests_write=self.run.requests_write,
        )

    def changes_flush(self) -> None:
        if not self._changes:
            return
        quote = connection.ops.quote_name
        columns = ", ".join(quote(c) for c in _CHANGE_COLUMNS)
        places = ", ".join(["%s"] * len(_CHANGE_COLUMNS))
        sql = f"INSERT INTO {quote(SyncChange._meta.db_table)} ({columns}) VALUES ({places})"
        # One transaction per flush: in autocommit SQLite would commit every row on its own.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, self._changes)
        self._changes = []
