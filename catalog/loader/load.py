"""Write a validated catalog, one level at a time, inside catalog_load's single transaction.

Loading the same file twice changes nothing: assets are matched by name, scores by their time,
checks and anomalies by their `key`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from django.db import transaction

from catalog.loader.schema import AssetSpec, ContainerSpec, DatastoreSpec, FieldSpec, ScoreSpec, TagSpec
from catalog.loader.validate import CatalogLoadError, catalog_validate
from catalog.models import Anomaly, Check, Container, Datastore, Field, QualityScore, Tag


@dataclass
class LoadSummary:
    created: dict[str, int] = field(default_factory=dict)
    total: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, total: int, created: int) -> None:
        self.total[kind] = self.total.get(kind, 0) + total
        self.created[kind] = self.created.get(kind, 0) + created

    def __str__(self) -> str:
        parts = [f"{self.total[k]} {k} ({self.created.get(k, 0)} new)" for k in self.total]
        return "Loaded " + ", ".join(parts) + "."


AssetModel = type[Datastore] | type[Container] | type[Field]
Asset = Datastore | Container | Field
Child = TypeVar("Child", Container, Field)


def tags_load(specs: Sequence[TagSpec], summary: LoadSummary) -> dict[str, Tag]:
    """Create or update the file's global tags; returns every tag by lower-cased name."""
    existing = {t.name.lower(): t for t in Tag.objects.all()}
    new = []
    for spec in specs:
        values = spec.model_dump()
        tag = existing.get(spec.name.lower())
        if tag is not None and tag.is_external:
            raise CatalogLoadError(
                [
                    f"tags: {spec.name!r} already exists as an external tag of {tag.integration}; "
                    "external tags are managed by their integration"
                ]
            )
        if tag is None:
            tag = Tag(tag_type=Tag.Type.GLOBAL, **values)
            new.append(tag)
            existing[spec.name.lower()] = tag
        else:
            changed = [k for k, value in values.items() if k != "name" and getattr(tag, k) != value]
            for k in changed:
                setattr(tag, k, values[k])
            if changed:
                tag.save(update_fields=changed)
    Tag.objects.bulk_create(new)
    summary.add("tags", len(specs), len(new))
    return {t.name.lower(): t for t in Tag.objects.all()}


def datastores_load(
    specs: Sequence[DatastoreSpec], summary: LoadSummary
) -> list[tuple[DatastoreSpec, Datastore]]:
    """Create missing datastores (by name) and update the settings of the others."""
    by_name = {d.name: d for d in Datastore.objects.filter(name__in=[s.name for s in specs])}
    created = 0
    for spec in specs:
        values = {
            "connector_type": spec.connector_type,
            "store_type": spec.store_type,
            "host": spec.host,
            "database": spec.database,
            "schema": spec.schema_,
        }
        datastore = by_name.get(spec.name)
        if datastore is None:
            by_name[spec.name] = Datastore.objects.create(name=spec.name, **values)
            created += 1
        elif any(getattr(datastore, k) != value for k, value in values.items()):
            Datastore.objects.filter(pk=datastore.pk).update(**values)
    summary.add("datastores", len(specs), created)
    return [(spec, by_name[spec.name]) for spec in specs]


def containers_load(
    datastores: Sequence[tuple[DatastoreSpec, Datastore]], summary: LoadSummary
) -> list[tuple[ContainerSpec, Container]]:
    rows = [(datastore, spec) for ds_spec, datastore in datastores for spec in ds_spec.containers]
    by_key = children_upsert(
        Container, "datastore", "container_type", [(ds, s.name, s.type) for ds, s in rows], summary
    )
    return [(spec, by_key[(datastore.pk, spec.name)]) for datastore, spec in rows]


def fields_load(
    containers: Sequence[tuple[ContainerSpec, Container]], summary: LoadSummary
) -> list[tuple[FieldSpec, Field]]:
    rows = [(container, spec) for c_spec, container in containers for spec in c_spec.fields]
    by_key = children_upsert(
        Field, "container", "declared_type", [(c, s.name, s.type) for c, s in rows], summary
    )
    return [(spec, by_key[(container.pk, spec.name)]) for container, spec in rows]


def children_upsert(
    model: type[Child],
    parent: str,
    kind_field: str,
    rows: Sequence[tuple[Datastore | Container, str, str]],
    summary: LoadSummary,
) -> dict[tuple[int, str], Child]:
    """Create missing children (by parent and name) and update their type; returns them all by key."""
    parent_ids = sorted({p.pk for p, _, _ in rows})
    existing: dict[tuple[int, str], Child] = {}
    for chunk in range(0, len(parent_ids), 2000):
        for obj in model.objects.filter(**{f"{parent}_id__in": parent_ids[chunk : chunk + 2000]}):
            existing[(getattr(obj, f"{parent}_id"), obj.name)] = obj
    new: list[Child] = []
    changed: list[Child] = []
    for owner, name, kind in rows:
        found = existing.get((owner.pk, name))
        if found is None:
            created = model(**{parent: owner, "name": name, kind_field: kind})
            new.append(created)
            existing[(owner.pk, name)] = created
        elif getattr(found, kind_field) != kind:
            setattr(found, kind_field, kind)
            changed.append(found)
    model.objects.bulk_create(new, batch_size=5000)
    model.objects.bulk_update(changed, [kind_field], batch_size=5000)
    summary.add(str(model._meta.verbose_name_plural), len(rows), len(new))
    return existing


def scores_load(
    levels: Sequence[tuple[AssetModel, Sequence[tuple[AssetSpec, Asset]]]], summary: LoadSummary
) -> None:
    total = created = 0
    for model, placed in levels:
        owners = [(asset, spec.scores) for spec, asset in placed]
        created += asset_scores_load(model, owners)
        total += sum(len(scores) for _, scores in owners)
    summary.add("scores", total, created)


def asset_scores_load(model: AssetModel, owners: Sequence[tuple[Asset, Sequence[ScoreSpec]]]) -> int:
    """Append missing scores (matched by time) and point each asset at its newest score."""
    owner_field = model.__name__.lower()
    ids = [asset.pk for asset, _ in owners if asset.pk]
    have: set[tuple[int, datetime]] = set()
    for chunk in range(0, len(ids), 5000):
        have.update(
            QualityScore.objects.filter(**{f"{owner_field}_id__in": ids[chunk : chunk + 5000]}).values_list(
                f"{owner_field}_id", "recorded_at"
            )
        )
    new = [
        QualityScore(**{owner_field: asset}, **score.model_dump())
        for asset, scores in owners
        for score in scores
        if (asset.pk, score.recorded_at) not in have
    ]
    QualityScore.objects.bulk_create(new, batch_size=2000)
    current_scores_point(model, {score.__dict__[f"{owner_field}_id"] for score in new})
    return len(new)


def current_scores_point(model: AssetModel, owner_ids: set[int]) -> None:
    if not owner_ids:
        return
    owner_field = f"{model.__name__.lower()}_id"
    latest: dict[int, int] = {}
    rows = QualityScore.objects.filter(**{f"{owner_field}__in": owner_ids}).order_by("recorded_at")
    for owner_id, score_id in rows.values_list(owner_field, "id").iterator(chunk_size=5000):
        latest[owner_id] = score_id
    assets: list[Any] = [model(pk=pk, current_score_id=score_id) for pk, score_id in latest.items()]
    model.objects.bulk_update(assets, ["current_score"], batch_size=2000)


def asset_tags_link(
    model: AssetModel, placed: Sequence[tuple[AssetSpec, Asset]], tags: dict[str, Tag]
) -> None:
    through: Any = model.tags.through
    owner = f"{model.__name__.lower()}_id"
    through.objects.bulk_create(
        [
            through(**{owner: asset.pk, "tag_id": tags[name].pk})
            for spec, asset in placed
            for name in spec.tags
        ],
        ignore_conflicts=True,
        batch_size=5000,
    )


def checks_load(
    containers: Sequence[tuple[ContainerSpec, Container]],
    fields: Sequence[tuple[FieldSpec, Field]],
    summary: LoadSummary,
) -> dict[tuple[int, str], Check]:
    """Create or update checks (by container and key) and link them to their fields."""
    specs = [(container, spec) for c_spec, container in containers for spec in c_spec.checks]
    checks = {
        (k.container_id, k.key): k
        for k in Check.objects.filter(container_id__in=[c.pk for _, c in containers])
    }
    new = []
    for container, spec in specs:
        values = {"rule_type": spec.rule_type, "description": spec.description, "status": spec.status}
        check = checks.get((container.pk, spec.key))
        if check is None:
            check = Check(container=container, key=spec.key, **values)
            new.append(check)
            checks[(container.pk, check.key)] = check
        elif any(getattr(check, k) != value for k, value in values.items()):
            Check.objects.filter(pk=check.pk).update(**values)
    Check.objects.bulk_create(new, batch_size=2000)
    field_by_key = {(f.container_id, f.name): f for _, f in fields}
    through = Check.fields.through
    through.objects.bulk_create(
        [
            through(check_id=checks[(c.pk, spec.key)].pk, field_id=field_by_key[(c.pk, name)].pk)
            for c, spec in specs
            for name in spec.fields
        ],
        ignore_conflicts=True,
        batch_size=5000,
    )
    summary.add("checks", len(specs), len(new))
    return checks


def anomalies_load(
    containers: Sequence[tuple[ContainerSpec, Container]],
    checks: dict[tuple[int, str], Check],
    summary: LoadSummary,
) -> None:
    """Create or update anomalies (by container and key), each pointing at its check if it names one."""
    specs = [(container, spec) for c_spec, container in containers for spec in c_spec.anomalies]
    existing = {
        (a.container_id, a.key): a
        for a in Anomaly.objects.filter(container_id__in=[c.pk for _, c in containers])
    }
    new = []
    for container, spec in specs:
        check = checks.get((container.pk, spec.check)) if spec.check else None
        values = {
            "anomaly_type": spec.type,
            "status": spec.status,
            "message": spec.message,
            "created_at": spec.created_at,
            "check_rule_id": check.pk if check else None,
        }
        anomaly = existing.get((container.pk, spec.key))
        if anomaly is None:
            new.append(Anomaly(container=container, key=spec.key, **values))
        elif any(getattr(anomaly, k) != value for k, value in values.items()):
            Anomaly.objects.filter(pk=anomaly.pk).update(**values)
    Anomaly.objects.bulk_create(new, batch_size=2000)
    summary.add("anomalies", len(specs), len(new))


@transaction.atomic
def catalog_load(data: Any) -> LoadSummary:
    """Validate `data` and load it in one transaction; nothing is written when anything is wrong."""
    spec = catalog_validate(data)
    summary = LoadSummary()
    tags = tags_load(spec.tags, summary)
    datastores = datastores_load(spec.datastores, summary)
    containers = containers_load(datastores, summary)
    fields = fields_load(containers, summary)
    levels: Sequence[tuple[AssetModel, Sequence[tuple[AssetSpec, Asset]]]] = [
        (Datastore, datastores),
        (Container, containers),
        (Field, fields),
    ]
    scores_load(levels, summary)
    for model, placed in levels:
        asset_tags_link(model, placed, tags)
    checks = checks_load(containers, fields, summary)
    anomalies_load(containers, checks, summary)
    return summary
