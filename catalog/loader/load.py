"""Load a catalog from the documented JSON format: validate everything, then write it all or nothing.

Loading the same file twice changes nothing: assets are matched by name, scores by their time,
checks and anomalies by their `key`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.dateparse import parse_datetime

from catalog.models import (
    SCORE_FIELDS,
    Anomaly,
    Check,
    ConnectorType,
    Container,
    Datastore,
    Field,
    QualityScore,
    Tag,
)

MAX_NAME = 255
MAX_ERRORS = 25
_HEX = "0123456789abcdefABCDEF"


class CatalogLoadError(Exception):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors))


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


class _Validator:
    """Collects every problem with the path of the offending place in the file."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, path: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(f"{path}: {message}")

    def obj(self, value: Any, path: str) -> dict | None:
        if not isinstance(value, dict):
            self.error(path, f"must be an object, got {type(value).__name__}")
            return None
        return value

    def items(self, parent: dict, key: str, path: str) -> list:
        value = parent.get(key, [])
        if not isinstance(value, list):
            self.error(f"{path}.{key}" if path else key, "must be a list")
            return []
        return value

    def text(
        self, parent: dict, key: str, path: str, *, required: bool = False, max_len: int = MAX_NAME
    ) -> str:
        value = parent.get(key)
        where = f"{path}.{key}"
        if value is None or value == "":
            if required:
                self.error(where, "is required")
            return ""
        if not isinstance(value, str):
            self.error(where, f"must be a string, got {type(value).__name__}")
            return ""
        if len(value) > max_len:
            self.error(where, f"is longer than {max_len} characters")
            return ""
        return value.strip()

    def choice(self, parent: dict, key: str, path: str, choices: list[str], default: str) -> str:
        value = parent.get(key, default)
        if value not in choices:
            self.error(f"{path}.{key}", f"must be one of {', '.join(choices)} (got {value!r})")
            return default
        return value

    def moment(self, parent: dict, key: str, path: str) -> datetime | None:
        raw = parent.get(key)
        parsed = parse_datetime(raw) if isinstance(raw, str) else None
        if parsed is None or parsed.tzinfo is None:
            self.error(f"{path}.{key}", f"must be an ISO 8601 time with a timezone (got {raw!r})")
            return None
        return parsed

    def extra_keys(self, obj: dict, allowed: set[str], path: str) -> None:
        for key in sorted(set(obj) - allowed):
            self.error(f"{path}.{key}", "is not a known key")


def _parse_scores(v: _Validator, owner: dict, path: str) -> list[dict]:
    scores = []
    for i, raw in enumerate(v.items(owner, "scores", path)):
        where = f"{path}.scores[{i}]"
        item = v.obj(raw, where)
        if item is None:
            continue
        v.extra_keys(item, {"recorded_at", *SCORE_FIELDS}, where)
        parsed: dict[str, Any] = {"recorded_at": v.moment(item, "recorded_at", where)}
        for name in SCORE_FIELDS:
            value = item.get(name)
            if value is None:
                parsed[name] = None
            elif isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
                v.error(f"{where}.{name}", f"must be a number between 0 and 100 (got {value!r})")
            else:
                parsed[name] = float(value)
        scores.append(parsed)
    times = [s["recorded_at"] for s in scores if s["recorded_at"]]
    if len(times) != len(set(times)):
        v.error(f"{path}.scores", "has two scores recorded at the same time")
    return scores


def _parse_tag_names(v: _Validator, owner: dict, path: str, known: dict[str, str]) -> list[str]:
    names = []
    for i, raw in enumerate(v.items(owner, "tags", path)):
        if not isinstance(raw, str) or not raw.strip():
            v.error(f"{path}.tags[{i}]", "must be a tag name")
        elif raw.strip().lower() not in known:
            v.error(
                f"{path}.tags[{i}]",
                f"names tag {raw!r}, which is neither in the file's tags nor a global tag",
            )
        else:
            names.append(raw.strip().lower())
    return names


def catalog_validate(data: Any) -> dict:
    """Return a normalised copy of the file or raise CatalogLoadError listing every problem."""
    v = _Validator()
    root = v.obj(data, "(top level)")
    if root is None:
        raise CatalogLoadError(v.errors)
    v.extra_keys(root, {"tags", "datastores"}, "(top level)")

    tags: dict[str, dict] = {}
    for i, raw in enumerate(v.items(root, "tags", "")):
        where = f"tags[{i}]"
        item = v.obj(raw, where)
        if item is None:
            continue
        v.extra_keys(item, {"name", "color", "description", "category", "weight_modifier"}, where)
        name = v.text(item, "name", where, required=True)
        color = item.get("color", "#6B7280")
        if not (
            isinstance(color, str)
            and len(color) == 7
            and color[0] == "#"
            and all(c in _HEX for c in color[1:])
        ):
            v.error(f"{where}.color", f"must be a hex colour such as #E74C3C (got {color!r})")
        weight = item.get("weight_modifier", 0)
        if isinstance(weight, bool) or not isinstance(weight, int) or not -10 <= weight <= 10:
            v.error(f"{where}.weight_modifier", f"must be a whole number from -10 to 10 (got {weight!r})")
        if name.lower() in tags:
            v.error(f"{where}.name", f"repeats tag {name!r} (names are compared without regard to case)")
        elif name:
            tags[name.lower()] = {
                "name": name,
                "color": color,
                "description": v.text(item, "description", where, max_len=2000),
                "category": v.text(item, "category", where, max_len=100),
                "weight_modifier": weight,
            }
    known_tags = {k: t["name"] for k, t in tags.items()}
    for tag in Tag.objects.filter(tag_type=Tag.Type.GLOBAL).only("name"):
        known_tags.setdefault(tag.name.lower(), tag.name)

    datastores = []
    seen_ds: set[str] = set()
    for d, raw in enumerate(v.items(root, "datastores", "")):
        dpath = f"datastores[{d}]"
        item = v.obj(raw, dpath)
        if item is None:
            continue
        v.extra_keys(
            item,
            {
                "name",
                "connector_type",
                "store_type",
                "host",
                "database",
                "schema",
                "tags",
                "scores",
                "containers",
            },
            dpath,
        )
        name = v.text(item, "name", dpath, required=True)
        if name in seen_ds:
            v.error(f"{dpath}.name", f"repeats datastore {name!r}")
        seen_ds.add(name)
        ds = {
            "name": name,
            "connector_type": v.choice(item, "connector_type", dpath, ConnectorType.values, "postgresql"),
            "store_type": v.choice(item, "store_type", dpath, Datastore.StoreType.values, "jdbc"),
            "host": v.text(item, "host", dpath),
            "database": v.text(item, "database", dpath),
            "schema": v.text(item, "schema", dpath),
            "tags": _parse_tag_names(v, item, dpath, known_tags),
            "scores": _parse_scores(v, item, dpath),
            "containers": [],
        }
        seen_c: set[str] = set()
        for c, raw_c in enumerate(v.items(item, "containers", dpath)):
            cpath = f"{dpath}.containers[{c}]"
            citem = v.obj(raw_c, cpath)
            if citem is None:
                continue
            v.extra_keys(citem, {"name", "type", "tags", "scores", "fields", "checks", "anomalies"}, cpath)
            cname = v.text(citem, "name", cpath, required=True)
            if cname in seen_c:
                v.error(f"{cpath}.name", f"repeats container {cname!r} in this datastore")
            seen_c.add(cname)
            container = {
                "name": cname,
                "type": v.choice(citem, "type", cpath, Container.Type.values, "table"),
                "tags": _parse_tag_names(v, citem, cpath, known_tags),
                "scores": _parse_scores(v, citem, cpath),
                "fields": [],
                "checks": [],
                "anomalies": [],
            }
            seen_f: set[str] = set()
            for f, raw_f in enumerate(v.items(citem, "fields", cpath)):
                fpath = f"{cpath}.fields[{f}]"
                fitem = v.obj(raw_f, fpath)
                if fitem is None:
                    continue
                v.extra_keys(fitem, {"name", "type", "tags", "scores"}, fpath)
                fname = v.text(fitem, "name", fpath, required=True)
                if fname in seen_f:
                    v.error(f"{fpath}.name", f"repeats field {fname!r} in this container")
                seen_f.add(fname)
                container["fields"].append(
                    {
                        "name": fname,
                        "type": v.text(fitem, "type", fpath, max_len=100),
                        "tags": _parse_tag_names(v, fitem, fpath, known_tags),
                        "scores": _parse_scores(v, fitem, fpath),
                    }
                )
            check_keys: set[str] = set()
            for k, raw_k in enumerate(v.items(citem, "checks", cpath)):
                kpath = f"{cpath}.checks[{k}]"
                kitem = v.obj(raw_k, kpath)
                if kitem is None:
                    continue
                v.extra_keys(kitem, {"key", "rule_type", "description", "status", "fields"}, kpath)
                key = v.text(kitem, "key", kpath, required=True, max_len=100)
                if key in check_keys:
                    v.error(f"{kpath}.key", f"repeats check key {key!r}")
                check_keys.add(key)
                check_fields = []
                for j, fname in enumerate(v.items(kitem, "fields", kpath)):
                    if fname not in seen_f:
                        v.error(
                            f"{kpath}.fields[{j}]",
                            f"names field {fname!r}, which this container does not have",
                        )
                    else:
                        check_fields.append(fname)
                container["checks"].append(
                    {
                        "key": key,
                        "rule_type": v.text(kitem, "rule_type", kpath, required=True, max_len=100),
                        "description": v.text(kitem, "description", kpath, max_len=5000),
                        "status": v.choice(kitem, "status", kpath, Check.Status.values, "active"),
                        "fields": check_fields,
                    }
                )
            anomaly_keys: set[str] = set()
            for a, raw_a in enumerate(v.items(citem, "anomalies", cpath)):
                apath = f"{cpath}.anomalies[{a}]"
                aitem = v.obj(raw_a, apath)
                if aitem is None:
                    continue
                v.extra_keys(aitem, {"key", "type", "status", "message", "created_at", "check"}, apath)
                key = v.text(aitem, "key", apath, required=True, max_len=100)
                if key in anomaly_keys:
                    v.error(f"{apath}.key", f"repeats anomaly key {key!r}")
                anomaly_keys.add(key)
                check_key = aitem.get("check")
                if check_key is not None and check_key not in check_keys:
                    v.error(
                        f"{apath}.check", f"names check {check_key!r}, which this container does not have"
                    )
                container["anomalies"].append(
                    {
                        "key": key,
                        "type": v.choice(aitem, "type", apath, Anomaly.Type.values, "record"),
                        "status": v.choice(aitem, "status", apath, Anomaly.Status.values, "active"),
                        "message": v.text(aitem, "message", apath, required=True, max_len=5000),
                        "created_at": v.moment(aitem, "created_at", apath),
                        "check": check_key,
                    }
                )
            ds["containers"].append(container)
        datastores.append(ds)
    if v.errors:
        raise CatalogLoadError(v.errors)
    return {"tags": list(tags.values()), "datastores": datastores}


AssetModel = type[Datastore] | type[Container] | type[Field]
Asset = Datastore | Container | Field
Spec = dict[str, Any]


def tags_load(specs: list[Spec], summary: LoadSummary) -> dict[str, Tag]:
    """Create or update the file's global tags; returns every tag by lower-cased name."""
    existing = {t.name.lower(): t for t in Tag.objects.all()}
    new = []
    for spec in specs:
        tag = existing.get(spec["name"].lower())
        if tag is not None and tag.is_external:
            raise CatalogLoadError(
                [
                    f"tags: {spec['name']!r} already exists as an external tag of {tag.integration}; "
                    "external tags are managed by their integration"
                ]
            )
        if tag is None:
            tag = Tag(tag_type=Tag.Type.GLOBAL, **spec)
            new.append(tag)
            existing[spec["name"].lower()] = tag
        else:
            changed = [k for k, value in spec.items() if k != "name" and getattr(tag, k) != value]
            for k in changed:
                setattr(tag, k, spec[k])
            if changed:
                tag.save(update_fields=changed)
    Tag.objects.bulk_create(new)
    summary.add("tags", len(specs), len(new))
    return {t.name.lower(): t for t in Tag.objects.all()}


def datastores_load(specs: list[Spec], summary: LoadSummary) -> list[tuple[Spec, Datastore]]:
    """Create missing datastores (by name) and update the settings of the others."""
    by_name = {d.name: d for d in Datastore.objects.filter(name__in=[s["name"] for s in specs])}
    created = 0
    for spec in specs:
        values = {k: spec[k] for k in ("connector_type", "store_type", "host", "database", "schema")}
        datastore = by_name.get(spec["name"])
        if datastore is None:
            by_name[spec["name"]] = Datastore.objects.create(name=spec["name"], **values)
            created += 1
        elif any(getattr(datastore, k) != value for k, value in values.items()):
            Datastore.objects.filter(pk=datastore.pk).update(**values)
    summary.add("datastores", len(specs), created)
    return [(spec, by_name[spec["name"]]) for spec in specs]


def containers_load(
    datastores: list[tuple[Spec, Datastore]], summary: LoadSummary
) -> list[tuple[Spec, Container]]:
    rows = [(datastore, spec) for ds_spec, datastore in datastores for spec in ds_spec["containers"]]
    by_key = children_upsert(
        Container, "datastore", "container_type", [(ds, s["name"], s["type"]) for ds, s in rows], summary
    )
    return [(spec, by_key[(datastore.pk, spec["name"])]) for datastore, spec in rows]


def fields_load(containers: list[tuple[Spec, Container]], summary: LoadSummary) -> list[tuple[Spec, Field]]:
    rows = [(container, spec) for c_spec, container in containers for spec in c_spec["fields"]]
    by_key = children_upsert(
        Field, "container", "declared_type", [(c, s["name"], s["type"]) for c, s in rows], summary
    )
    return [(spec, by_key[(container.pk, spec["name"])]) for container, spec in rows]


def children_upsert(
    model: type[Container] | type[Field],
    parent: str,
    kind_field: str,
    rows: list[tuple[Datastore | Container, str, str]],
    summary: LoadSummary,
) -> dict[tuple[int, str], Any]:
    """Create missing children (by parent and name) and update their type; returns them all by key."""
    parent_ids = sorted({p.pk for p, _, _ in rows})
    existing: dict[tuple[int, str], Any] = {}
    for chunk in range(0, len(parent_ids), 2000):
        for obj in model.objects.filter(**{f"{parent}_id__in": parent_ids[chunk : chunk + 2000]}):
            existing[(getattr(obj, f"{parent}_id"), obj.name)] = obj
    new, changed = [], []
    for owner, name, kind in rows:
        obj = existing.get((owner.pk, name))
        if obj is None:
            obj = model(**{parent: owner, "name": name, kind_field: kind})
            new.append(obj)
            existing[(owner.pk, name)] = obj
        elif getattr(obj, kind_field) != kind:
            setattr(obj, kind_field, kind)
            changed.append(obj)
    model.objects.bulk_create(new, batch_size=5000)
    model.objects.bulk_update(changed, [kind_field], batch_size=5000)
    summary.add(model._meta.verbose_name_plural, len(rows), len(new))
    return existing


def scores_load(
    levels: Sequence[tuple[AssetModel, Sequence[tuple[Spec, Asset]]]], summary: LoadSummary
) -> None:
    total = created = 0
    for model, placed in levels:
        owners = [(asset, spec["scores"]) for spec, asset in placed]
        created += asset_scores_load(model, owners)
        total += sum(len(scores) for _, scores in owners)
    summary.add("scores", total, created)


def asset_scores_load(model: AssetModel, owners: Sequence[tuple[Asset, Sequence[Spec]]]) -> int:
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
        QualityScore(**{owner_field: asset}, **score)
        for asset, scores in owners
        for score in scores
        if (asset.pk, score["recorded_at"]) not in have
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
    assets = [model(pk=pk, current_score_id=score_id) for pk, score_id in latest.items()]
    model.objects.bulk_update(assets, ["current_score"], batch_size=2000)


def asset_tags_link(model: AssetModel, placed: Sequence[tuple[Spec, Asset]], tags: dict[str, Tag]) -> None:
    through = model.tags.through
    owner = f"{model.__name__.lower()}_id"
    through.objects.bulk_create(
        [
            through(**{owner: asset.pk, "tag_id": tags[name].pk})
            for spec, asset in placed
            for name in spec["tags"]
        ],
        ignore_conflicts=True,
        batch_size=5000,
    )


def checks_load(
    containers: list[tuple[Spec, Container]], fields: list[tuple[Spec, Field]], summary: LoadSummary
) -> dict[tuple[int, str], Check]:
    """Create or update checks (by container and key) and link them to their fields."""
    specs = [(container, spec) for c_spec, container in containers for spec in c_spec["checks"]]
    checks = {
        (k.container_id, k.key): k
        for k in Check.objects.filter(container_id__in=[c.pk for _, c in containers])
    }
    new = []
    for container, spec in specs:
        values = {k: spec[k] for k in ("rule_type", "description", "status")}
        check = checks.get((container.pk, spec["key"]))
        if check is None:
            check = Check(container=container, key=spec["key"], **values)
            new.append(check)
            checks[(container.pk, check.key)] = check
        elif any(getattr(check, k) != value for k, value in values.items()):
            Check.objects.filter(pk=check.pk).update(**values)
    Check.objects.bulk_create(new, batch_size=2000)
    field_by_key = {(f.container_id, f.name): f for _, f in fields}
    through = Check.fields.through
    through.objects.bulk_create(
        [
            through(check_id=checks[(c.pk, spec["key"])].pk, field_id=field_by_key[(c.pk, name)].pk)
            for c, spec in specs
            for name in spec["fields"]
        ],
        ignore_conflicts=True,
        batch_size=5000,
    )
    summary.add("checks", len(specs), len(new))
    return checks


def anomalies_load(
    containers: list[tuple[Spec, Container]], checks: dict[tuple[int, str], Check], summary: LoadSummary
) -> None:
    """Create or update anomalies (by container and key), each pointing at its check if it names one."""
    specs = [(container, spec) for c_spec, container in containers for spec in c_spec["anomalies"]]
    existing = {
        (a.container_id, a.key): a
        for a in Anomaly.objects.filter(container_id__in=[c.pk for _, c in containers])
    }
    new = []
    for container, spec in specs:
        check = checks.get((container.pk, spec["check"])) if spec["check"] else None
        values = {
            "anomaly_type": spec["type"],
            "status": spec["status"],
            "message": spec["message"],
            "created_at": spec["created_at"],
            "check_rule_id": check.pk if check else None,
        }
        anomaly = existing.get((container.pk, spec["key"]))
        if anomaly is None:
            new.append(Anomaly(container=container, key=spec["key"], **values))
        elif any(getattr(anomaly, k) != value for k, value in values.items()):
            Anomaly.objects.filter(pk=anomaly.pk).update(**values)
    Anomaly.objects.bulk_create(new, batch_size=2000)
    summary.add("anomalies", len(specs), len(new))


@transaction.atomic
def catalog_load(data: Any) -> LoadSummary:
    """Validate `data` and load it in one transaction; nothing is written when anything is wrong."""
    spec = catalog_validate(data)
    summary = LoadSummary()
    tags = tags_load(spec["tags"], summary)
    datastores = datastores_load(spec["datastores"], summary)
    containers = containers_load(datastores, summary)
    fields = fields_load(containers, summary)
    levels: Sequence[tuple[AssetModel, Sequence[tuple[Spec, Asset]]]] = [
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
