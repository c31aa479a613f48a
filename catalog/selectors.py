"""Reads for the catalog pages: annotated querysets whose query count does not grow with the rows."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    CharField,
    Count,
    IntegerField,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from catalog.models import Anomaly, Check, Container, Datastore, Field, QualityScore, Tag

AssetModel = Datastore | Container | Field
AssetType = type[Datastore] | type[Container] | type[Field]
_A = TypeVar("_A", Datastore, Container, Field)
SCORE_HISTORY_LENGTH = 30
_OPEN = Q(status__in=Anomaly.OPEN_STATUSES)


def _count(model: type[Model], outer: str, condition: Q | None = None) -> Coalesce:
    """A correlated COUNT subquery: unlike a joined Count it never multiplies rows."""
    rows = model._default_manager.filter(**{outer: OuterRef("pk")})
    if condition is not None:
        rows = rows.filter(condition)
    counted = rows.order_by().values(outer).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def tags_prefetch(model: AssetType) -> Prefetch:
    """An asset's tag links with their tags and integrations in one query: chips name the
    integration of external tags and where an inherited tag comes from."""
    through: Any = model.tags.through
    return Prefetch(
        "tag_links", queryset=through.objects.select_related("tag__integration").order_by("tag__name")
    )


# Which tags a tag filter counts: all, only those applied to the asset itself, or only inherited ones.
INHERITED_CHOICES = [
    ("", "Applied or inherited"),
    ("exclude", "Applied here only"),
    ("only", "Inherited only"),
]


def _inherited_links(inherited: str, prefix: str = "") -> Q:
    """The tag links `inherited` counts, on the link model itself or through `prefix`."""
    if inherited == "exclude":
        return Q(**{f"{prefix}inherited_from": ""})
    if inherited == "only":
        return Q(**{f"{prefix}inherited_from__gt": ""})
    return Q()


def _tag_filtered(rows: QuerySet[Any], tag_id: int | None, inherited: str) -> QuerySet[Any]:
    if tag_id is None:
        return rows
    # One filter() call: both conditions on the same tag link.
    return rows.filter(_inherited_links(inherited, "tag_links__"), tag_links__tag_id=tag_id)


# Datastores


def _of_integration(rows: QuerySet[_A], model: AssetType, integration_id: int | None) -> QuerySet[_A]:
    """Assets carrying any external tag of the integration, each once however many it carries."""
    if integration_id is None:
        return rows
    through: Any = model.tags.through
    owner = f"{model._meta.model_name}_id"
    return rows.filter(pk__in=through.objects.filter(tag__integration_id=integration_id).values(owner))


def datastore_list(
    *,
    q: str = "",
    connector_type: str = "",
    tag_id: int | None = None,
    inherited: str = "",
    integration_id: int | None = None,
) -> QuerySet[Datastore]:
    rows = Datastore.objects.select_related("current_score").prefetch_related(tags_prefetch(Datastore))
    if q:
        rows = rows.filter(name__icontains=q)
    if connector_type:
        rows = rows.filter(connector_type=connector_type)
    rows = _of_integration(_tag_filtered(rows, tag_id, inherited), Datastore, integration_id)
    return rows.annotate(
        container_count=_count(Container, "datastore"),
        active_check_count=_count(Check, "container__datastore", Q(status=Check.Status.ACTIVE)),
        open_anomaly_count=_count(Anomaly, "container__datastore", _OPEN),
    ).order_by("name")


def datastore_get(*, pk: int) -> Datastore:
    return (
        Datastore.objects.select_related("current_score")
        .prefetch_related(tags_prefetch(Datastore))
        .get(pk=pk)
    )


def datastore_totals(*, datastore: Datastore) -> dict[str, int]:
    return {
        "containers": Container.objects.filter(datastore=datastore).count(),
        "fields": Field.objects.filter(container__datastore=datastore).count(),
        "active_checks": Check.objects.filter(
            container__datastore=datastore, status=Check.Status.ACTIVE
        ).count(),
        "open_anomalies": Anomaly.objects.filter(_OPEN, container__datastore=datastore).count(),
    }


# Containers


def datastore_containers(
    *,
    datastore: Datastore,
    q: str = "",
    container_type: str = "",
    tag_id: int | None = None,
    inherited: str = "",
) -> QuerySet[Container]:
    rows = (
        Container.objects.filter(datastore=datastore)
        .select_related("current_score")
        .prefetch_related(tags_prefetch(Container))
    )
    if q:
        rows = rows.filter(name__icontains=q)
    if container_type:
        rows = rows.filter(container_type=container_type)
    rows = _tag_filtered(rows, tag_id, inherited)
    return rows.annotate(
        field_count=_count(Field, "container"),
        active_check_count=_count(Check, "container", Q(status=Check.Status.ACTIVE)),
        open_anomaly_count=_count(Anomaly, "container", _OPEN),
    ).order_by("name")


def container_list(
    *,
    datastore_id: int | None = None,
    q: str = "",
    container_type: str = "",
    tag_id: int | None = None,
    inherited: str = "",
    integration_id: int | None = None,
) -> QuerySet[Container]:
    """Containers of every datastore (or one), for the API; counted like a datastore's list."""
    rows = Container.objects.select_related("datastore", "current_score").prefetch_related(
        tags_prefetch(Container)
    )
    if datastore_id is not None:
        rows = rows.filter(datastore_id=datastore_id)
    if q:
        rows = rows.filter(name__icontains=q)
    if container_type:
        rows = rows.filter(container_type=container_type)
    rows = _of_integration(_tag_filtered(rows, tag_id, inherited), Container, integration_id)
    return rows.annotate(
        field_count=_count(Field, "container"),
        active_check_count=_count(Check, "container", Q(status=Check.Status.ACTIVE)),
        open_anomaly_count=_count(Anomaly, "container", _OPEN),
    ).order_by("datastore__name", "name", "pk")


def container_get(*, pk: int) -> Container:
    return (
        Container.objects.select_related("datastore", "current_score")
        .prefetch_related(tags_prefetch(Container))
        .get(pk=pk)
    )


def container_open_anomaly_count(*, container: Container) -> int:
    return Anomaly.objects.filter(_OPEN, container=container).count()


def container_totals(*, container: Container) -> dict[str, int]:
    return {
        "fields": Field.objects.filter(container=container).count(),
        "active_checks": Check.objects.filter(container=container, status=Check.Status.ACTIVE).count(),
        "open_anomalies": container_open_anomaly_count(container=container),
    }


def container_fields(
    *, container: Container, q: str = "", tag_id: int | None = None, inherited: str = ""
) -> QuerySet[Field]:
    rows = (
        Field.objects.filter(container=container)
        .select_related("current_score")
        .prefetch_related(tags_prefetch(Field))
    )
    if q:
        rows = rows.filter(name__icontains=q)
    return _tag_filtered(rows, tag_id, inherited).order_by("name")


def container_checks(*, container: Container) -> QuerySet[Check]:
    return (
        Check.objects.filter(container=container).prefetch_related("fields").order_by("status", "rule_type")
    )


def container_anomalies(*, container: Container, state: str = "open") -> QuerySet[Anomaly]:
    """Open anomalies first, newest first within each group; `state` is open, archived or all."""
    rows = Anomaly.objects.filter(container=container).select_related("check_rule")
    if state == "open":
        rows = rows.filter(_OPEN)
    elif state == "archived":
        rows = rows.exclude(_OPEN)
    return rows.annotate(
        closed=Case(When(_OPEN, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("closed", "-created_at", "-id")


# Fields


def field_list(
    *,
    datastore_id: int | None = None,
    container_id: int | None = None,
    q: str = "",
    tag_id: int | None = None,
    inherited: str = "",
    integration_id: int | None = None,
) -> QuerySet[Field]:
    rows = Field.objects.select_related("container__datastore", "current_score").prefetch_related(
        tags_prefetch(Field)
    )
    if datastore_id is not None:
        rows = rows.filter(container__datastore_id=datastore_id)
    if container_id is not None:
        rows = rows.filter(container_id=container_id)
    if q:
        rows = rows.filter(name__icontains=q)
    rows = _of_integration(_tag_filtered(rows, tag_id, inherited), Field, integration_id)
    return rows.order_by("container__datastore__name", "container__name", "name", "pk")


def field_get(*, pk: int) -> Field:
    return (
        Field.objects.select_related("container__datastore", "current_score")
        .prefetch_related(tags_prefetch(Field))
        .get(pk=pk)
    )


def field_checks(*, field: Field) -> QuerySet[Check]:
    return field.checks.all().order_by("status", "rule_type")


# Scores


def asset_score_history(*, asset: AssetModel, limit: int = SCORE_HISTORY_LENGTH) -> list[float | None]:
    """The asset's latest totals, oldest first, for a sparkline."""
    owner = {Datastore: "datastore", Container: "container", Field: "field"}[type(asset)]
    newest = (
        QualityScore.objects.filter(**{owner: asset})
        .order_by("-recorded_at", "-id")
        .values_list("total", flat=True)[:limit]
    )
    return list(reversed(newest))


# Tags


def tag_list(*, q: str = "", tag_type: str = "", integration_id: int | None = None) -> QuerySet[Tag]:
    rows = Tag.objects.select_related("integration")
    if q:
        rows = rows.filter(name__icontains=q)
    if tag_type:
        rows = rows.filter(tag_type=tag_type)
    if integration_id is not None:
        rows = rows.filter(integration_id=integration_id)
    return rows.annotate(
        datastore_count=_count(Datastore.tags.through, "tag"),
        container_count=_count(Container.tags.through, "tag"),
        field_count=_count(Field.tags.through, "tag"),
    ).order_by("name")


def tag_get(*, pk: int) -> Tag:
    return Tag.objects.select_related("integration").get(pk=pk)


def tag_choices() -> QuerySet[Tag]:
    """Every tag for a filter select: global ones first, then external ones."""
    return Tag.objects.select_related("integration").order_by("tag_type", "name")


def tag_global_list() -> QuerySet[Tag]:
    return Tag.objects.filter(tag_type=Tag.Type.GLOBAL).order_by("name")


# Each level's order on the tag page, by path: a total order (names are unique within their
# parent), so a page's rows sort exactly as their ids did.
_TAG_PAGE_ORDER: dict[type[Model], tuple[str, ...]] = {
    Datastore: ("name",),
    Container: ("datastore__name", "name"),
    Field: ("container__datastore__name", "container__name", "name"),
}
_TAG_PAGE_PARENTS: dict[type[Model], tuple[str, ...]] = {
    Datastore: (),
    Container: ("datastore",),
    Field: ("container__datastore",),
}


def tag_asset_page(
    *, tag: Tag, model: AssetType, number: str | None, per_page: int, inherited: str = ""
) -> Page[Any]:
    """One page of the assets of one level carrying the tag, in path order, each saying where an
    inherited tag comes from; `inherited` as in the list filters, `number` as `get_page` takes it."""
    through: Any = model.tags.through
    owner = model.__name__.lower()
    order = _TAG_PAGE_ORDER[model]
    # Counted and sorted on the tag links alone: sorting the full rows (path, score, source) of
    # every asset carrying a busy tag made its page slow. Only the page's rows are read in full.
    links = through.objects.filter(_inherited_links(inherited), tag=tag)
    ids = links.order_by(*(f"{owner}__{key}" for key in order)).values(owner)
    page = Paginator(ids, per_page).get_page(number)
    source = through.objects.filter(**{owner: OuterRef("pk")}, tag=tag).values("inherited_from")[:1]
    # The page's slice of ids stays a subquery: one query per level, as before.
    page.object_list = (
        model.objects.filter(pk__in=page.object_list)
        .select_related(*_TAG_PAGE_PARENTS[model], "current_score")
        .annotate(inherited_from=Subquery(source, output_field=CharField()))
        .order_by(*order)
    )
    return page
