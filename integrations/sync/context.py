"""What a connector works through during a run: log, counters, audit, issues and safe points.

Connectors never touch SyncRun directly; the run lifecycle in `integrations.runs` owns it.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from integrations.http import (
    CatalogConnectionError,
    CatalogError,
    CatalogRateLimitedError,
    CatalogServerError,
)
from integrations.models import Integration, SyncChange, SyncIssue, SyncLogLine, SyncRun
from integrations.sync.rows import rows_insert

MAX_ERROR_SAMPLES = 20
_FLUSH_CHANGES_AT = 2000
# The audit rows as plain tuples: a first sync records one row per changed attribute, hundreds of
# thousands at scale, and building model instances for them cost more than the sync itself.
_CHANGE_COLUMNS = (
    "run_id",
    "at",
    "datastore",
    "asset",
    "catalog_ref",
    "kind",
    "attribute",
    "before",
    "after",
    "applied",
)


def retry_notice(seconds: float, why: str) -> str:
    """The log line for a retry: what the catalog answered, and when the sync tries again."""
    wait = f"{seconds:.0f} s" if seconds >= 10 else f"{seconds:.1f} s"
    return f"{why}; retrying in {wait}."


class RunCancelled(Exception):
    """Raised at a safe point when someone asked the run to stop."""


class RunStopped(Exception):
    """Raised by a connector when the run cannot go on (e.g. a safety threshold tripped)."""


class RunAbandoned(RunStopped):
    """The run was marked failed elsewhere (its heartbeat was missed): stop writing, stay failed."""


# Unforced safe points (between batches and pages) look at the run at most this often.
SAFE_POINT_SECONDS = 1.0
# Failures that say the catalog is not answering (as opposed to refusing one request).
UNANSWERED = (CatalogConnectionError, CatalogServerError, CatalogRateLimitedError)


class RunContext:
    """What a connector gets: the run's options, a log, counters, audit and safe points."""

    def __init__(self, run: SyncRun):
        self.run = run
        self.integration: Integration = run.integration
        self.counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.errors = 0
        self.warnings = 0
        self._changes: list[tuple[int | str | bool | datetime, ...]] = []
        self._last_flush = timezone.now()
        self._last_check = 0.0
        self.deadline = timezone.now() + timedelta(seconds=settings.PLUMBLINE_RUN_DEADLINE_SECONDS)
        self.unanswered = 0

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
        applied: bool | None = None,
    ) -> None:
        """Audit one change; `applied` defaults to "not a preview" (False: the write was refused)."""
        self._changes.append(
            (
                self.run.pk,
                timezone.now(),
                datastore[:255],
                asset[:1000],
                catalog_ref[:1000],
                kind,
                attribute[:255],
                before,
                after,
                not self.preview if applied is None else applied and not self.preview,
            )
        )
        if len(self._changes) >= _FLUSH_CHANGES_AT:
            self.changes_flush()

    def issue(
        self, *, kind: str, level: str, datastore: str, path: str, reason: str, object_id: int | None = None
    ) -> None:
        SyncIssue.objects.create(
            run=self.run,
            kind=kind,
            level=level,
            datastore=datastore,
            object_id=object_id,
            path=path,
            reason=reason,
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

    # The catalog's health ------------------------------------------------------------------
    def catalog_ok(self) -> None:
        self.unanswered = 0

    def catalog_failed(self, exc: CatalogError, *, catalog: str) -> None:
        """After several calls in a row that the catalog did not answer, stop the run (a circuit breaker)."""
        if not isinstance(exc, UNANSWERED):
            return
        self.unanswered += 1
        if self.unanswered >= settings.PLUMBLINE_CIRCUIT_BREAKER_FAILURES:
            at = timezone.localtime().strftime("%H:%M")
            done, total = self.run.progress_done, self.run.progress_total
            raise RunStopped(
                f"{catalog} stopped answering at {at} after {done:,} of {total:,} assets; nothing after "
                f"that was written. The last answer: {exc}"
            )

    # Safe points --------------------------------------------------------------------------
    def checkpoint(self, *, force: bool = True) -> None:
        """Save progress and stop here if a cancel was asked for, the deadline passed or the run was
        marked failed elsewhere. Between datastores (forced); between pages and batches, at most
        once a second."""
        if not force and time.monotonic() - self._last_check < SAFE_POINT_SECONDS:
            return
        self._last_check = time.monotonic()
        self.changes_flush()
        self.progress_save()
        status, cancel = (
            SyncRun.objects.filter(pk=self.run.pk).values_list("status", "cancel_requested").get()
        )
        if status != SyncRun.Status.RUNNING:
            raise RunAbandoned(f"This run was marked {status} while it was still working; it stops here.")
        if cancel:
            raise RunCancelled
        if timezone.now() > self.deadline:
            minutes = settings.PLUMBLINE_RUN_DEADLINE_SECONDS / 60
            done, total = self.run.progress_done, self.run.progress_total
            raise RunStopped(
                f"The sync ran past its deadline of {minutes:.0f} minutes and stopped after {done:,} of "
                f"{total:,} assets; nothing after that was written. Sync again to go on."
            )

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
        rows_insert(SyncChange, _CHANGE_COLUMNS, self._changes)
        self._changes = []
