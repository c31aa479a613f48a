"""Integrations with data catalogs, their sync runs, logs and audit trail."""

from __future__ import annotations

import json
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from integrations.crypto import secret_decrypt, secret_encrypt


class Integration(models.Model):
    class Type(models.TextChoices):
        ATLAN = "atlan", "Atlan"
        ALATION = "alation", "Alation"

    class Status(models.TextChoices):
        CONNECTED = "connected", "Connected"
        NEEDS_REAUTH = "needs_reauth", "Needs re-authentication"
        ERROR = "error", "Error"

    name = models.CharField(max_length=100, unique=True)
    integration_type = models.CharField(max_length=20, choices=Type.choices, default=Type.ATLAN)
    url = models.URLField(max_length=500)
    # Every credential the connector asks for (a token; a user id and a refresh token), as one
    # encrypted JSON object: nothing secret is stored in the clear.
    credentials_encrypted = models.TextField(editable=False)
    # Options of the sync's scope, e.g. {"domains": [...], "connections": [...]} (issue-specific keys).
    parameters = models.JSONField(default=dict, blank=True)
    # When the stored credentials stop working, if the catalog says (an Alation refresh token).
    credentials_expire_at = models.DateTimeField(null=True, blank=True, editable=False)
    overwrite_tags = models.BooleanField(default=False)
    event_driven = models.BooleanField(default=True)
    enable_announcements = models.BooleanField(default=True)

    class Schedule(models.IntegerChoices):
        OFF = 0, "Off"
        HOURLY = 60, "Hourly"
        SIX_HOURS = 360, "Every 6 hours"
        DAILY = 1440, "Daily"

    # Reconciliation on a schedule, as a safety net beside event-driven pushes.
    schedule_minutes = models.PositiveIntegerField(choices=Schedule.choices, default=Schedule.OFF)
    schedule_pull = models.BooleanField(default=True)
    schedule_push = models.BooleanField(default=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CONNECTED)
    status_message = models.CharField(max_length=500, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # The card warns this long before the credentials expire.
    CREDENTIALS_WARNING_DAYS = 14

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def credentials_expiring(self) -> bool:
        if self.credentials_expire_at is None:
            return False
        return self.credentials_expire_at - timezone.now() < timedelta(days=self.CREDENTIALS_WARNING_DAYS)

    @property
    def credentials_expired(self) -> bool:
        return self.credentials_expire_at is not None and self.credentials_expire_at <= timezone.now()

    def __repr__(self) -> str:
        # Never include the token, even encrypted, in a repr that could reach a log.
        return f"<Integration {self.pk} {self.name!r} {self.integration_type}>"

    @property
    def credentials(self) -> dict[str, str]:
        if not self.credentials_encrypted:
            return {}
        return dict(json.loads(secret_decrypt(self.credentials_encrypted)))

    @credentials.setter
    def credentials(self, values: dict[str, str]) -> None:
        self.credentials_encrypted = secret_encrypt(json.dumps(values, sort_keys=True))

    def credential(self, name: str) -> str:
        return self.credentials.get(name, "")

    @property
    def token(self) -> str:
        """The API token of catalogs that use one (Atlan)."""
        return self.credential("token")

    @token.setter
    def token(self, value: str) -> None:
        self.credentials = {**self.credentials, "token": value}

    def get_absolute_url(self) -> str:
        return reverse("integrations:list")


class IntegrationChange(models.Model):
    """Who changed an integration, when, and what (the token only as “changed”, never its value)."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        DELETED = "deleted", "Deleted"
        TESTED = "tested", "Connection tested"
        MAPPING = "mapping", "Mapping changed"

    integration = models.ForeignKey(
        Integration, on_delete=models.SET_NULL, null=True, blank=True, related_name="changes"
    )
    integration_name = models.CharField(max_length=100)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    changes = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.integration_name} {self.action} by {self.user} at {self.at:%Y-%m-%d %H:%M}"


class SyncRun(models.Model):
    """One sync of one integration. Our own record is the truth about its status, not the queue's."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        # Finished, but skipped something (a datastore not visible, a tag, an ambiguous asset).
        WARNINGS = "warnings", "Succeeded with warnings"
        PARTIAL = "partial", "Partially succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        PREVIEWED = "previewed", "Previewed"

    class Trigger(models.TextChoices):
        MANUAL = "manual", "Manual"
        SCHEDULE = "schedule", "Schedule"
        EVENT = "event", "Event"

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)
    FINISHED_OK = (Status.SUCCEEDED, Status.WARNINGS, Status.PARTIAL)
    # The badge colour of each status, declared with the choices (one badge template shows it).
    STATUS_STYLES: dict[str, str] = {
        Status.QUEUED: "neutral",
        Status.RUNNING: "info",
        Status.SUCCEEDED: "ok",
        Status.WARNINGS: "warn",
        Status.PARTIAL: "warn",
        Status.FAILED: "bad",
        Status.CANCELLED: "neutral",
        Status.PREVIEWED: "info",
    }

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    pull = models.BooleanField(default=False)
    push = models.BooleanField(default=False)
    preview = models.BooleanField(default=False)
    # Event pushes name the tables to push; None means every matched asset.
    container_ids = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)
    task_id = models.CharField(max_length=64, blank=True)
    message = models.TextField(blank=True)
    counts = models.JSONField(default=dict, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    error_samples = models.JSONField(default=list, blank=True)
    warnings = models.PositiveIntegerField(default=0)
    requests_read = models.PositiveIntegerField(default=0)
    requests_write = models.PositiveIntegerField(default=0)
    # What the integration was limited to when the run started ({"text": …, "domains": […], …}),
    # for its log and report; empty for runs from before scopes were recorded.
    scope = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # The database, not only the page, keeps one active run per integration.
            models.UniqueConstraint(
                fields=["integration"],
                condition=models.Q(status__in=["queued", "running"]),
                name="one_active_run_per_integration",
            )
        ]

    def __str__(self) -> str:
        return f"Run {self.pk} of {self.integration_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def status_style(self) -> str:
        return self.STATUS_STYLES.get(self.status, "neutral")

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            # Nothing to count: full only for a run that got to the end, never for one cancelled early.
            return 100 if self.status in (*self.FINISHED_OK, self.Status.PREVIEWED) else 0
        return min(100, round(100 * self.progress_done / self.progress_total))

    @property
    def what(self) -> str:
        parts = [p for p, on in (("Pull", self.pull), ("Push", self.push)) if on]
        text = " + ".join(parts)
        return f"{text} (preview)" if self.preview else text

    @property
    def totals(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for per_ds in self.counts.values():
            for key, value in per_ds.items():
                out[key] = out.get(key, 0) + value
        return out

    def get_absolute_url(self) -> str:
        return reverse("integrations:run_detail", args=[self.pk])


class SyncLogLine(models.Model):
    """A line of a run's log; the id is the cursor the live log polls with."""

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="log_lines")
    at = models.DateTimeField()
    level = models.CharField(max_length=10, default="INFO")
    datastore = models.CharField(max_length=255, blank=True)
    message = models.TextField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["run", "id"])]


class SyncChange(models.Model):
    """Audit: a change a run made (or, in a preview, would have made)."""

    # Indexed by (run, id) below: a second index on run alone only slowed the audit's inserts.
    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="changes", db_index=False)
    at = models.DateTimeField(default=timezone.now)
    datastore = models.CharField(max_length=255, blank=True)
    asset = models.CharField(max_length=1000)
    catalog_ref = models.CharField(max_length=1000, blank=True)
    kind = models.CharField(max_length=40)
    # The catalog attribute (custom-metadata attribute, custom field, tag) the change is about.
    attribute = models.CharField(max_length=255, blank=True)
    before = models.TextField(blank=True)
    after = models.TextField(blank=True)
    applied = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]
        # By catalog asset: an asset page shows what Plumbline last wrote there.
        indexes = [models.Index(fields=["run", "id"]), models.Index(fields=["catalog_ref", "id"])]


class AssetLink(models.Model):
    """A Plumbline asset matched to a catalog asset; later runs and event pushes reuse it."""

    class Level(models.TextChoices):
        DATASTORE = "datastore", "Datastore"
        CONTAINER = "container", "Container"
        FIELD = "field", "Field"

    # Indexed by the unique (integration, level, object_id) below, which starts with it.
    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="links", db_index=False
    )
    level = models.CharField(max_length=10, choices=Level.choices)
    object_id = models.PositiveBigIntegerField()
    path = models.CharField(max_length=1000)
    catalog_type = models.CharField(max_length=100)
    catalog_qualified_name = models.CharField(max_length=1000)
    catalog_guid = models.CharField(max_length=100, blank=True)
    # Matched only by ignoring case (ORDERS ↔ orders): flagged in the mapping report.
    name_case_differs = models.BooleanField(default=False)
    # The announcement (or flag) Plumbline last wrote on this asset: where a catalog names no
    # updater, only an announcement exactly equal to this one is Plumbline's to update or clear.
    announcement_title = models.CharField(max_length=500, blank=True)
    announcement_message = models.TextField(blank=True)

    class AlertState(models.TextChoices):
        OURS = "ours", "Plumbline's"
        PERSON = "person", "A person's, left alone"
        NONE = "none", "None"

    # The warning on the catalog asset as the latest push found it (tables only).
    alert_state = models.CharField(max_length=10, choices=AlertState.choices, blank=True)
    alert_note = models.CharField(max_length=500, blank=True)
    run = models.ForeignKey(SyncRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "level", "object_id"], name="asset_link_unique")
        ]


class MappingPin(models.Model):
    """An admin's choice for one datastore in one integration, used by every later run and event
    push: sync it against this catalog schema whatever the names say, or leave it out.

    The schema is kept by the identifiers a rename leaves alone: Atlan's GUID (with the qualified
    name as the fallback when the asset was re-created), Alation's schema id. The datastore is
    kept by its id, so renaming it in Plumbline changes nothing either."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="pins")
    datastore = models.ForeignKey("catalog.Datastore", on_delete=models.CASCADE, related_name="+")
    excluded = models.BooleanField(default=False)
    # Atlan: the connection's qualified name; Alation: the data source's id.
    connection_ref = models.CharField(max_length=1000, blank=True)
    connection_name = models.CharField(max_length=255, blank=True)
    # Atlan: the schema's qualified name and GUID; Alation: the schema's id (and no GUID).
    schema_ref = models.CharField(max_length=1000, blank=True)
    schema_guid = models.CharField(max_length=100, blank=True)
    # How the catalog named the schema when it was last seen, for the Mappings page.
    schema_name = models.CharField(max_length=1000, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["integration", "datastore"], name="mapping_pin_unique"),
            models.CheckConstraint(
                condition=models.Q(excluded=True) | ~models.Q(schema_ref=""), name="mapping_pin_has_schema"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.datastore_id} {'excluded' if self.excluded else self.schema_ref}"


class SyncIssue(models.Model):
    """An asset a run could not map (unmatched, ambiguous or not visible to the token) or left out
    (out of scope), with why."""

    class Kind(models.TextChoices):
        UNMATCHED = "unmatched", "Only in Plumbline"
        CATALOG_ONLY = "catalog_only", "Only in the catalog"
        AMBIGUOUS = "ambiguous", "Ambiguous"
        NOT_VISIBLE = "not_visible", "Not visible"
        ERROR = "error", "Error"
        # Left out on purpose by the integration's domains or connections: never read or written.
        OUT_OF_SCOPE = "out_of_scope", "Out of scope"
        # Left out by an admin on the Mappings page: never read or written.
        EXCLUDED = "excluded", "Excluded"

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="issues")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    level = models.CharField(max_length=10, choices=AssetLink.Level.choices)
    datastore = models.CharField(max_length=255, blank=True)
    # The Plumbline asset (empty for catalog-only rows) and its path, e.g. "Sales / ORDERS".
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    path = models.CharField(max_length=1000)
    # The catalog asset, for catalog-only rows.
    catalog_type = models.CharField(max_length=100, blank=True)
    catalog_qualified_name = models.CharField(max_length=1000, blank=True)
    catalog_guid = models.CharField(max_length=100, blank=True)
    reason = models.TextField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["run", "kind"]), models.Index(fields=["level", "object_id"])]


class PendingPush(models.Model):
    """A table waiting for its event-driven push; one row per table, so bursts coalesce."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="pending_pushes")
    container_id = models.PositiveBigIntegerField()
    due_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["integration", "container_id"], name="pending_push_unique")
        ]


class SyncStagedPush(models.Model):
    """One batch's push, held back until the run's pull is checked (pull + push runs whose
    mass-removal stop could trip): a stopped run then writes nothing to the catalog.

    `payload` is the batch's prepared push (only batches that would write are held), or for a
    connector that cannot prepare one, its matched catalog assets; pickled by this same run and
    read back by it; rows go when the run ends."""

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="staged_pushes")
    datastore_id = models.PositiveBigIntegerField()
    batch = models.PositiveIntegerField()
    payload = models.BinaryField()

    class Meta:
        indexes = [models.Index(fields=["run", "datastore_id", "batch"])]


class SyncWantedTag(models.Model):
    """A pull's staging row: one catalog tag a run found on one Plumbline asset, or (`kept`) an
    asset the integration's scope leaves out, whose tags stay whatever the catalog says.

    Kept in the database rather than in the worker so a pull's memory does not grow with the
    catalog, and so the integration-wide mass-removal stop is counted in SQL. Deleted when the
    pull is done and with its run."""

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="+", db_index=False)
    level = models.CharField(max_length=10, choices=AssetLink.Level.choices)
    object_id = models.PositiveBigIntegerField()
    datastore_id = models.PositiveBigIntegerField()
    name = models.CharField(max_length=1024, blank=True)  # as the catalog spells it (TAG_NAME_MAX)
    name_folded = models.CharField(max_length=1024, blank=True)
    # Empty: applied to the asset itself; otherwise the catalog asset it was propagated from.
    inherited_from = models.TextField(blank=True)
    kept = models.BooleanField(default=False)

    class Meta:
        indexes = [
            # Paging through a run's rows, and "is this tag (still) wanted on this asset?".
            models.Index(fields=["run", "id"], name="wanted_tag_run_id"),
            models.Index(fields=["run", "level", "object_id"], name="wanted_tag_asset"),
        ]


class SyncOwnTag(models.Model):
    """This integration's external tags as a run's pull found them before changing anything, by
    casefolded name: the removal rule compares them with the staged names in SQL. Python's
    casefold, not the database's LOWER, which differs between databases beyond ASCII."""

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="+", db_index=False)
    tag_id = models.PositiveBigIntegerField()
    name_folded = models.CharField(max_length=1024)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "tag_id"], name="own_tag_unique")]
