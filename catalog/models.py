"""The data-quality catalog: datastores → containers → fields, scores, checks, anomalies, tags."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse

SCORE_FACTORS = (
    "completeness",
    "coverage",
    "conformity",
    "consistency",
    "precision",
    "timeliness",
    "volumetrics",
    "accuracy",
)
SCORE_FIELDS = ("total", *SCORE_FACTORS)
_score_validators = [MinValueValidator(0), MaxValueValidator(100)]


class ConnectorType(models.TextChoices):
    SNOWFLAKE = "snowflake", "Snowflake"
    POSTGRESQL = "postgresql", "PostgreSQL"
    MYSQL = "mysql", "MySQL"
    BIGQUERY = "bigquery", "BigQuery"
    DATABRICKS = "databricks", "Databricks"
    REDSHIFT = "redshift", "Redshift"
    ORACLE = "oracle", "Oracle"
    SQLSERVER = "sqlserver", "SQL Server"
    ATHENA = "athena", "Athena"
    TRINO = "trino", "Trino"
    S3 = "s3", "Amazon S3"
    GCS = "gcs", "Google Cloud Storage"
    ABFS = "abfs", "Azure Data Lake"


# Catalog tag names are kept whole: neither Atlan nor Alation documents a limit below this.
TAG_NAME_MAX = 1024
DEFAULT_TAG_COLOR = "#6B7280"


class Tag(models.Model):
    """A label on assets. Global tags are made here; external ones come from a catalog pull."""

    class Type(models.TextChoices):
        GLOBAL = "global", "Global"
        EXTERNAL = "external", "External"

    name = models.CharField(max_length=TAG_NAME_MAX)
    tag_type = models.CharField(max_length=10, choices=Type.choices, default=Type.GLOBAL)
    # External tags belong to exactly one integration and go with it.
    integration = models.ForeignKey(
        "integrations.Integration",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="external_tags",
    )
    color = models.CharField(
        max_length=7,
        default=DEFAULT_TAG_COLOR,
        validators=[RegexValidator(r"^#[0-9A-Fa-f]{6}$", "Use a hex colour such as #E74C3C.")],
    )
    description = models.TextField(blank=True, max_length=2000)
    category = models.CharField(max_length=100, blank=True)
    weight_modifier = models.SmallIntegerField(
        default=0, validators=[MinValueValidator(-10), MaxValueValidator(10)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="tag_name_unique_ci"),
            models.CheckConstraint(
                condition=(
                    models.Q(tag_type="global", integration__isnull=True)
                    | models.Q(tag_type="external", integration__isnull=False)
                ),
                name="tag_external_has_integration",
            ),
            models.CheckConstraint(
                condition=models.Q(weight_modifier__gte=-10, weight_modifier__lte=10),
                name="tag_weight_modifier_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_external(self) -> bool:
        return self.tag_type == self.Type.EXTERNAL

    def clean(self) -> None:
        if self.tag_type == self.Type.EXTERNAL and self.integration_id is None:
            raise ValidationError({"integration": "An external tag belongs to an integration."})
        if self.tag_type == self.Type.GLOBAL and self.integration_id is not None:
            raise ValidationError({"integration": "A global tag belongs to no integration."})
        if self.name:
            clash = Tag.objects.filter(name__iexact=self.name).exclude(pk=self.pk).first()
            if clash is not None:
                raise ValidationError({"name": f"A tag named “{clash.name}” already exists."})

    def get_absolute_url(self) -> str:
        return reverse("catalog:tag_detail", args=[self.pk])


class QualityScore(models.Model):
    """One measurement of an asset's quality; the newest per asset is its current score."""

    datastore = models.ForeignKey(
        "Datastore", on_delete=models.CASCADE, null=True, blank=True, related_name="scores"
    )
    container = models.ForeignKey(
        "Container", on_delete=models.CASCADE, null=True, blank=True, related_name="scores"
    )
    field = models.ForeignKey("Field", on_delete=models.CASCADE, null=True, blank=True, related_name="scores")
    recorded_at = models.DateTimeField(db_index=True)
    total = models.FloatField(null=True, blank=True, validators=_score_validators)
    completeness = models.FloatField(null=True, blank=True, validators=_score_validators)
    coverage = models.FloatField(null=True, blank=True, validators=_score_validators)
    conformity = models.FloatField(null=True, blank=True, validators=_score_validators)
    consistency = models.FloatField(null=True, blank=True, validators=_score_validators)
    precision = models.FloatField(null=True, blank=True, validators=_score_validators)
    timeliness = models.FloatField(null=True, blank=True, validators=_score_validators)
    volumetrics = models.FloatField(null=True, blank=True, validators=_score_validators)
    accuracy = models.FloatField(null=True, blank=True, validators=_score_validators)

    class Meta:
        ordering = ["-recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(datastore__isnull=False, container__isnull=True, field__isnull=True)
                    | models.Q(datastore__isnull=True, container__isnull=False, field__isnull=True)
                    | models.Q(datastore__isnull=True, container__isnull=True, field__isnull=False)
                ),
                name="score_belongs_to_one_asset",
            )
        ]

    def __str__(self) -> str:
        return f"{self.total} at {self.recorded_at:%Y-%m-%d %H:%M}"


class Asset(models.Model):
    """What datastores, containers and fields share: tags and a current score."""

    current_score = models.ForeignKey(
        QualityScore, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class Datastore(Asset):
    class StoreType(models.TextChoices):
        JDBC = "jdbc", "JDBC"
        DFS = "dfs", "DFS"

    name = models.CharField(max_length=255, unique=True)
    connector_type = models.CharField(max_length=20, choices=ConnectorType.choices)
    store_type = models.CharField(max_length=4, choices=StoreType.choices, default=StoreType.JDBC)
    host = models.CharField(max_length=255, blank=True)
    database = models.CharField(max_length=255, blank=True)
    schema = models.CharField(max_length=255, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="datastores", through="DatastoreTag")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:datastore_detail", args=[self.pk])


class Container(Asset):
    class Type(models.TextChoices):
        TABLE = "table", "Table"
        VIEW = "view", "View"
        FILE = "file", "File"
        COMPUTED_TABLE = "computed_table", "Computed table"
        COMPUTED_FILE = "computed_file", "Computed file"
        COMPUTED_JOIN = "computed_join", "Computed join"

    datastore = models.ForeignKey(Datastore, on_delete=models.CASCADE, related_name="containers")
    name = models.CharField(max_length=255)
    container_type = models.CharField(max_length=20, choices=Type.choices, default=Type.TABLE)
    tags = models.ManyToManyField(Tag, blank=True, related_name="containers", through="ContainerTag")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["datastore", "name"], name="container_unique_name"),
        ]
        indexes = [models.Index(fields=["datastore", "container_type"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:container_detail", args=[self.pk])


class Field(Asset):
    container = models.ForeignKey(Container, on_delete=models.CASCADE, related_name="fields")
    name = models.CharField(max_length=255)
    declared_type = models.CharField(max_length=100, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="fields", through="FieldTag")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["container", "name"], name="field_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:field_detail", args=[self.pk])


class Check(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        DRAFT = "draft", "Draft"
        ARCHIVED = "archived", "Archived"

    container = models.ForeignKey(Container, on_delete=models.CASCADE, related_name="checks")
    # Identifies the check in a loaded JSON file, so loading twice changes nothing.
    key = models.CharField(max_length=100, blank=True)
    fields = models.ManyToManyField(Field, blank=True, related_name="checks")
    rule_type = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["rule_type", "id"]
        indexes = [models.Index(fields=["container", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["container", "key"], condition=~models.Q(key=""), name="check_unique_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule_type} on {self.container}"


class Anomaly(models.Model):
    class Type(models.TextChoices):
        RECORD = "record", "Record"
        SHAPE = "shape", "Shape"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"
        DUPLICATE = "duplicate", "Duplicate"
        INVALID = "invalid", "Invalid"
        DISCARDED = "discarded", "Discarded"

    OPEN_STATUSES = (Status.ACTIVE, Status.ACKNOWLEDGED)

    container = models.ForeignKey(Container, on_delete=models.CASCADE, related_name="anomalies")
    key = models.CharField(max_length=100, blank=True)
    check_rule = models.ForeignKey(
        Check, on_delete=models.SET_NULL, null=True, blank=True, related_name="anomalies"
    )
    anomaly_type = models.CharField(max_length=10, choices=Type.choices, default=Type.RECORD)
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.ACTIVE)
    message = models.TextField()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "anomalies"
        indexes = [models.Index(fields=["container", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["container", "key"], condition=~models.Q(key=""), name="anomaly_unique_key"
            )
        ]

    def __str__(self) -> str:
        return f"Anomaly {self.pk} on {self.container}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class AssetTag(models.Model):
    """A tag on an asset, and where it comes from: applied here, or inherited (propagated) in a catalog."""

    # The tables were Django's own many-to-many tables, whose ids are plain integers.
    id = models.AutoField(primary_key=True)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE)
    # Empty: applied to this asset itself. Otherwise the catalog asset it was propagated from.
    inherited_from = models.CharField(max_length=1000, blank=True)

    class Meta:
        abstract = True


class DatastoreTag(AssetTag):
    datastore = models.ForeignKey(Datastore, on_delete=models.CASCADE, related_name="tag_links")

    class Meta:
        db_table = "catalog_datastore_tags"
        unique_together = [("datastore", "tag")]


class ContainerTag(AssetTag):
    container = models.ForeignKey(Container, on_delete=models.CASCADE, related_name="tag_links")

    class Meta:
        db_table = "catalog_container_tags"
        unique_together = [("container", "tag")]


class FieldTag(AssetTag):
    field = models.ForeignKey(Field, on_delete=models.CASCADE, related_name="tag_links")

    class Meta:
        db_table = "catalog_field_tags"
        unique_together = [("field", "tag")]
