"""Load a catalog from the documented JSON format: validate everything, then write it all or nothing.

Loading the same file twice changes nothing: assets are matched by name, scores by their time,
checks and anomalies by their `key`.
"""

from __future__ import annotations

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


def _upsert_tags(spec: list[dict], summary: LoadSummary) -> dict[str, Tag]:
    existing = {t.name.lower(): t for t in Tag.objects.all()}
    new = []
    for item in spec:
        tag = existing.get(item["name"].lower())
        if tag is not None and tag.is_external:
            raise CatalogLoadError(
                [
                    f"tags: {item['name']!r} already exists as an external tag of {tag.integration}; "
                    "external tags are managed by their integration"
                ]
            )
        if tag is None:
            tag = Tag(tag_type=Tag.Type.GLOBAL, **item)
            new.append(tag)
            existing[item["name"].lower()] = tag
        else:
            changed = [k for k, val in item.items() if k != "name" and getattr(tag, k) != val]
            for k in changed:
                setattr(tag, k, item[k])
            if changed:
                tag.save(update_fields=changed)
    Tag.objects.bulk_create(new)
    summary.add("tags", len(spec), len(new))
    return {t.name.lower(): t for t in Tag.objects.all()}


def _load_scores(model: type, owners: list[tuple[Any, list[dict]]]) -> int:
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
    touched = {score.__dict__[f"{owner_field}_id"] for score in new}
    if touched:
        latest: dict[int, int] = {}
        rows = QualityScore.objects.filter(**{f"{owner_field}_id__in": touched}).order_by("recorded_at")
        for owner_id, score_id in rows.values_list(f"{owner_field}_id", "id").iterator(chunk_size=5000):
            latest[owner_id] = score_id
        assets = [model(pk=pk, current_score_id=score_id) for pk, score_id in latest.items()]
        model.objects.bulk_update(assets, ["current_score"], batch_size=2000)
    return len(new)


def _link_tags(model: type, pairs: list[tuple[int, int]]) -> None:
    through = model.tags.through
    owner = f"{model.__name__.lower()}_id"
    through.objects.bulk_create(
        [through(**{owner: asset_id, "tag_id": tag_id}) for asset_id, tag_id in pairs],
        ignore_conflicts=True,
        batch_size=5000,
    )


def _upsert_children(
    model: type, parent: str, kind_field: str, rows: list[tuple[Any, str, str]], summary: LoadSummary
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


@transaction.atomic
def catalog_load(data: Any) -> LoadSummary:
    """Validate `data` and load it in one transaction; nothing is written when anything is wrong."""
    spec = catalog_validate(data)
    summary = LoadSummary()
    tags = _upsert_tags(spec["tags"], summary)

    ds_by_name = {
        d.name: d for d in Datastore.objects.filter(name__in=[d["name"] for d in spec["datastores"]])
    }
    ds_created = 0
    for item in spec["datastores"]:
        values = {k: item[k] for k in ("connector_type", "store_type", "host", "database", "schema")}
        ds = ds_by_name.get(item["name"])
        if ds is None:
            ds = Datastore.objects.create(name=item["name"], **values)
            ds_by_name[ds.name] = ds
            ds_created += 1
        elif any(getattr(ds, k) != val for k, val in values.items()):
            Datastore.objects.filter(pk=ds.pk).update(**values)
    summary.add("datastores", len(spec["datastores"]), ds_created)

    # Containers, then fields, each level in bulk.
    container_rows = [
        (ds_by_name[item["name"]], citem) for item in spec["datastores"] for citem in item["containers"]
    ]
    existing_c = _upsert_children(
        Container,
        "datastore",
        "container_type",
        [(ds, c["name"], c["type"]) for ds, c in container_rows],
        summary,
    )
    field_rows = [
        (existing_c[(ds.pk, citem["name"])], fitem)
        for ds, citem in container_rows
        for fitem in citem["fields"]
    ]
    existing_f = _upsert_children(
        Field, "container", "declared_type", [(c, f["name"], f["type"]) for c, f in field_rows], summary
    )
    container_ids = [c.pk for c in existing_c.values()]

    ds_scores, c_scores, f_scores = [], [], []
    ds_tags, c_tags, f_tags = [], [], []
    checks_spec, anomalies_spec = [], []
    for item in spec["datastores"]:
        ds = ds_by_name[item["name"]]
        ds_scores.append((ds, item["scores"]))
        ds_tags += [(ds.pk, tags[t].pk) for t in item["tags"]]
        for citem in item["containers"]:
            c = existing_c[(ds.pk, citem["name"])]
            c_scores.append((c, citem["scores"]))
            c_tags += [(c.pk, tags[t].pk) for t in citem["tags"]]
            checks_spec += [(c, k) for k in citem["checks"]]
            anomalies_spec += [(c, a) for a in citem["anomalies"]]
            for fitem in citem["fields"]:
                f = existing_f[(c.pk, fitem["name"])]
                f_scores.append((f, fitem["scores"]))
                f_tags += [(f.pk, tags[t].pk) for t in fitem["tags"]]
    new_scores = _load_scores(Datastore, ds_scores) + _load_scores(Container, c_scores)
    new_scores += _load_scores(Field, f_scores)
    summary.add("scores", sum(len(s) for _, s in ds_scores + c_scores + f_scores), new_scores)
    _link_tags(Datastore, ds_tags)
    _link_tags(Container, c_tags)
    _link_tags(Field, f_tags)

    checks = {(k.container_id, k.key): k for k in Check.objects.filter(container_id__in=container_ids)}
    new_checks = []
    for c, kitem in checks_spec:
        check = checks.get((c.pk, kitem["key"]))
        values = {k: kitem[k] for k in ("rule_type", "description", "status")}
        if check is None:
            check = Check(container=c, key=kitem["key"], **values)
            new_checks.append(check)
            checks[(c.pk, check.key)] = check
        elif any(getattr(check, k) != val for k, val in values.items()):
            Check.objects.filter(pk=check.pk).update(**values)
    Check.objects.bulk_create(new_checks, batch_size=2000)
    through = Check.fields.through
    through.objects.bulk_create(
        [
            through(check_id=checks[(c.pk, kitem["key"])].pk, field_id=existing_f[(c.pk, fname)].pk)
            for c, kitem in checks_spec
            for fname in kitem["fields"]
        ],
        ignore_conflicts=True,
        batch_size=5000,
    )
    summary.add("checks", len(checks_spec), len(new_checks))

    anomalies = {(a.container_id, a.key): a for a in Anomaly.objects.filter(container_id__in=container_ids)}
    new_anomalies = []
    for c, aitem in anomalies_spec:
        check = checks.get((c.pk, aitem["check"])) if aitem["check"] else None
        values = {
            "anomaly_type": aitem["type"],
            "status": aitem["status"],
            "message": aitem["message"],
            "created_at": aitem["created_at"],
            "check_rule_id": check.pk if check else None,
        }
        anomaly = anomalies.get((c.pk, aitem["key"]))
        if anomaly is None:
            new_anomalies.append(Anomaly(container=c, key=aitem["key"], **values))
        elif any(getattr(anomaly, k) != val for k, val in values.items()):
            Anomaly.objects.filter(pk=anomaly.pk).update(**values)
    Anomaly.objects.bulk_create(new_anomalies, batch_size=2000)
    summary.add("anomalies", len(anomalies_spec), len(new_anomalies))
    return summary
