"""Tag list and tag page, the tag form in the modal, applying and removing tags on assets, escaping."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from catalog.models import Tag
from tests.catalog.factories import (
    catalog_make,
    container_make,
    datastore_make,
    field_make,
    integration_make,
    tag_make,
)
from tests.helpers import HTMX

TAGS = reverse("catalog:tag_list")
CREATE = reverse("catalog:tag_create")
GOOD_FORM = {
    "name": "Finance",
    "color": "#22AA44",
    "category": "Domain",
    "weight_modifier": 3,
    "description": "",
}


def _edit(tag: Tag) -> str:
    return reverse("catalog:tag_edit", args=[tag.pk])


def _delete(tag: Tag) -> str:
    return reverse("catalog:tag_delete", args=[tag.pk])


# Tag list


def test_tag_list_shows_type_integration_and_counts_per_level(viewer_http):
    pii = tag_make("PII", category="Privacy", weight_modifier=-2)
    certified = tag_make("Certified", integration=integration_make("Atlan prod"))
    catalog_make(containers=2, fields=3, tags=(pii,))

    html = viewer_http.get(TAGS).content.decode()

    assert "Privacy" in html and "-2" in html
    assert 'External <span class="muted">· Atlan prod</span>' in html
    assert certified.name in html
    # PII is on 1 datastore, 2 containers and 6 fields.
    assert '<span class="count-pill">1</span>' in html
    assert '<span class="count-pill">2</span>' in html
    assert '<span class="count-pill">6</span>' in html


def test_tag_list_filters_by_type_and_name(viewer_http):
    tag_make("Finance")
    tag_make("Fin external", integration=integration_make())
    tag_make("Marketing")

    external = viewer_http.get(TAGS, {"type": "external"}, headers=HTMX).content.decode()
    named = viewer_http.get(TAGS, {"q": "fin"}, headers=HTMX).content.decode()

    assert "Fin external" in external and "Finance" not in external
    assert "Finance" in named and "Fin external" in named and "Marketing" not in named
    assert "<html" not in named


def test_tag_list_gives_admin_edit_and_delete_only_on_global_tags(admin_http):
    tag = tag_make("Mine")
    external = tag_make("Theirs", integration=integration_make())

    html = admin_http.get(TAGS).content.decode()

    assert _edit(tag) in html and _delete(tag) in html
    assert _edit(external) not in html and _delete(external) not in html
    assert "Read-only" in html
    assert f'hx-get="{CREATE}" hx-target="#modal-body"' in html


def test_tag_list_region_refreshes_on_tags_changed(viewer_http):
    html = viewer_http.get(TAGS).content.decode()

    assert 'hx-trigger="tags:changed from:body"' in html


# Tag form in the modal


def test_new_tag_form_loads_as_a_modal_fragment(admin_http):
    response = admin_http.get(CREATE, headers=HTMX)

    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b'id="modal-title"' in response.content and b'hx-post="/tags/new/"' in response.content


def test_new_tag_form_without_htmx_is_a_full_page(admin_http):
    response = admin_http.get(CREATE)

    assert b"<html" in response.content and b"hx-post" not in response.content


def test_creating_a_tag_closes_the_modal_and_refreshes_the_list(admin_http):
    response = admin_http.post(CREATE, GOOD_FORM, headers=HTMX)

    assert response.status_code == 204
    assert set(json.loads(response["HX-Trigger"])) == {"modal:close", "tags:changed"}
    tag = Tag.objects.get(name="Finance")
    assert (tag.tag_type, tag.color, tag.category, tag.weight_modifier) == ("global", "#22AA44", "Domain", 3)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "pii"}, "already exists"),
        ({"name": ""}, "This field is required"),
        ({"weight_modifier": 11}, "less than or equal to 10"),
        ({"color": "red"}, "Use a hex colour"),
    ],
)
def test_invalid_tag_form_comes_back_with_errors_and_saves_nothing(admin_http, changes, message):
    tag_make("PII")

    response = admin_http.post(CREATE, {**GOOD_FORM, **changes}, headers=HTMX)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert b"<html" not in response.content
    assert Tag.objects.count() == 1


def test_editing_a_global_tag_saves_it(admin_http):
    tag = tag_make("Old name")

    response = admin_http.post(_edit(tag), {**GOOD_FORM, "name": "New name"}, headers=HTMX)

    assert response.status_code == 204
    tag.refresh_from_db()
    assert (tag.name, tag.weight_modifier) == ("New name", 3)


def test_editing_a_tag_to_its_own_name_in_other_case_is_allowed(admin_http):
    tag = tag_make("finance")

    response = admin_http.post(_edit(tag), GOOD_FORM, headers=HTMX)

    assert response.status_code == 204
    tag.refresh_from_db()
    assert tag.name == "Finance"


def test_deleting_asks_for_confirmation_then_deletes(admin_http):
    tag = tag_make("Doomed")
    datastore_make().tags.add(tag)

    confirm = admin_http.get(_delete(tag), headers=HTMX)
    response = admin_http.post(_delete(tag), headers=HTMX)

    assert confirm.status_code == 200 and b"Doomed" in confirm.content and b"<html" not in confirm.content
    assert Tag.objects.filter(pk=tag.pk).exists() is False
    assert response.status_code == 204
    assert "tags:changed" in json.loads(response["HX-Trigger"])


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("action", [_edit, _delete])
def test_external_tags_cannot_be_edited_or_deleted(admin_http, method, action):
    tag = tag_make("Theirs", integration=integration_make(), weight_modifier=1)

    response = getattr(admin_http, method)(action(tag), {**GOOD_FORM, "name": "Hijacked"}, headers=HTMX)

    assert response.status_code == 400
    assert b"read-only" in response.content
    tag.refresh_from_db()
    assert (tag.name, tag.weight_modifier) == ("Theirs", 1)


# Tag page


def test_tag_page_lists_every_asset_carrying_it_with_its_path_and_score(viewer_http):
    tag = tag_make("Gold")
    datastore = catalog_make(containers=1, fields=1, tags=(tag,))
    container = datastore.containers.get()
    field = container.fields.get()
    datastore_make("Untagged store")

    html = viewer_http.get(reverse("catalog:tag_detail", args=[tag.pk])).content.decode()

    assert datastore.name in html and "Untagged store" not in html
    assert f'<a href="{container.get_absolute_url()}">{container.name}</a>' in html
    assert f'<a href="{field.get_absolute_url()}">{field.name}</a>' in html
    assert 'class="badge score-good"' in html and 'class="badge score-fair"' in html


def test_tag_page_pages_each_level_separately(viewer_http):
    tag = tag_make("Wide")
    container = container_make(name="WIDE_TABLE")
    container.tags.add(tag)
    for i in range(55):
        field_make(container, f"F{i:02d}").tags.add(tag)
    url = reverse("catalog:tag_detail", args=[tag.pk])

    first = viewer_http.get(url).content.decode()
    second = viewer_http.get(url, {"f_page": 2, "c_page": 1}, headers=HTMX).content.decode()

    assert "F49" in first and "F50" not in first
    assert f"{url}?f_page=2" in first
    assert "F54" in second and "F00" not in second and "WIDE_TABLE" in second
    assert "<html" not in second


@pytest.mark.parametrize("inherited", ["", "only", "exclude"])
def test_tag_page_orders_by_path_across_pages_and_filters_inherited_tags(viewer_http, inherited):
    tag = tag_make("Gold", integration=integration_make())
    # Made against the path order, and named so that field names alone would sort backwards.
    for store, prefixes in (("B store", "ab"), ("A store", "cd")):
        datastore = datastore_make(store)
        for table, prefix in zip(("T2", "T1"), prefixes, strict=True):
            container = container_make(datastore, table)
            container.tags.add(
                tag, through_defaults={"inherited_from": "default/sf/DB" if table == "T2" else ""}
            )
            for i in reversed(range(30)):
                source = f"default/sf/DB/{table}" if i % 2 else ""
                field_make(container, f"{prefix}{i:02d}").tags.add(
                    tag, through_defaults={"inherited_from": source}
                )
    wanted = {"": lambda is_inherited: True, "only": bool, "exclude": lambda is_inherited: not is_inherited}
    fields = [f"{prefix}{i:02d}" for prefix in "dcba" for i in range(30) if wanted[inherited](i % 2)]
    tables = [(s, t) for s in ("A store", "B store") for t in ("T1", "T2") if wanted[inherited](t == "T2")]
    url = reverse("catalog:tag_detail", args=[tag.pk])

    pages = [
        viewer_http.get(url, {"inherited": inherited, "f_page": n}).content.decode()
        for n in range(1, -(-len(fields) // 50) + 1)
    ]

    shown = [name for html in pages for name in re.findall(r'› <a href="[^"]+">([a-d]\d\d)</a>', html)]
    assert shown == fields
    assert f'<span class="count-pill">{len(fields)}</span>' in pages[0]
    containers = pages[0].split('id="tag-fields"')[0]
    assert re.findall(r'>([AB] store)</a> › <a href="[^"]+">(T\d)</a>', containers) == tables
    assert ("inherited from default/sf/DB/T" in pages[0]) is (inherited != "exclude")


def test_external_tag_page_names_its_integration(viewer_http):
    tag = tag_make("Certified", integration=integration_make("Atlan prod"))

    html = viewer_http.get(reverse("catalog:tag_detail", args=[tag.pk])).content.decode()

    assert "External tag from integration Atlan prod" in html
    assert 'class="chip chip-external"' in html


# Applying and removing tags on assets


@pytest.mark.parametrize("level", ["datastore", "container", "field"])
def test_admin_applies_and_removes_a_global_tag_at_every_level(admin_http, level):
    asset = {"datastore": datastore_make, "container": container_make, "field": field_make}[level]()
    tag = tag_make("Hot")

    added = admin_http.post(
        reverse("catalog:asset_tag_add", args=[level, asset.pk]), {"tag": tag.pk}, headers=HTMX
    )
    assert added.status_code == 200
    assert list(asset.tags.all()) == [tag]
    remove_url = reverse("catalog:asset_tag_remove", args=[level, asset.pk, tag.pk])
    assert f'hx-post="{remove_url}"' in added.content.decode()
    assert b"<html" not in added.content

    removed = admin_http.post(remove_url, headers=HTMX)
    assert removed.status_code == 200
    assert list(asset.tags.all()) == []


def test_asset_pages_offer_admins_the_add_tag_control(admin_http):
    container = container_make()
    tag_make("Offered")

    html = admin_http.get(container.get_absolute_url()).content.decode()

    assert reverse("catalog:asset_tag_add", args=["container", container.pk]) in html
    assert "Offered" in html


def test_external_tag_has_no_remove_control_and_cannot_be_removed(admin_http):
    tag = tag_make("Theirs", integration=integration_make())
    field = field_make()
    field.tags.add(tag)
    remove_url = reverse("catalog:asset_tag_remove", args=["field", field.pk, tag.pk])

    page = admin_http.get(field.get_absolute_url()).content.decode()
    response = admin_http.post(remove_url, headers=HTMX)

    assert remove_url not in page
    assert response.status_code == 400
    assert list(field.tags.all()) == [tag]


def test_external_tag_cannot_be_applied_by_hand(admin_http):
    tag = tag_make("Theirs", integration=integration_make())
    datastore = datastore_make()

    response = admin_http.post(
        reverse("catalog:asset_tag_add", args=["datastore", datastore.pk]), {"tag": tag.pk}, headers=HTMX
    )

    assert response.status_code == 400
    assert b"Only global tags" in response.content
    assert not datastore.tags.exists()


def test_unknown_asset_level_is_404(admin_http):
    tag = tag_make()
    response = admin_http.post(reverse("catalog:asset_tag_add", args=["schema", 1]), {"tag": tag.pk})
    assert response.status_code == 404


# Escaping


def test_markup_in_names_is_escaped_on_every_page(admin_http):
    evil = "<script>alert(1)</script>"
    integration = integration_make(f"{evil} integration")
    global_tag = tag_make(evil, description=evil, category=evil)
    external = tag_make(f"{evil} ext", integration=integration)
    datastore = datastore_make(evil, database=evil, schema=evil)
    container = container_make(datastore, evil)
    field = field_make(container, evil, declared_type=evil)
    for asset in (datastore, container, field):
        asset.tags.add(global_tag, external)
    pages = [
        reverse("catalog:datastore_list"),
        datastore.get_absolute_url(),
        container.get_absolute_url(),
        field.get_absolute_url(),
        TAGS,
        global_tag.get_absolute_url(),
        external.get_absolute_url(),
        _edit(global_tag),
        _delete(global_tag),
    ]

    for url in pages:
        html = admin_http.get(url).content.decode()
        assert "<script>alert" not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url


def test_bad_colour_stored_by_other_means_never_reaches_a_style(viewer_http):
    tag = tag_make("Sneaky")
    # Seven characters, so PostgreSQL's varchar(7) takes it too.
    Tag.objects.filter(pk=tag.pk).update(color="r;x:u()")
    datastore_make().tags.add(tag)

    html = viewer_http.get(reverse("catalog:datastore_list")).content.decode()

    assert "r;x:u()" not in html
    assert 'fill="#6B7280"' in html
