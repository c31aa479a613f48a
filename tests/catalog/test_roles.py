"""Every catalog view: anonymous → sign-in, Viewer reads but cannot change, Admin can."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse

from catalog.models import Anomaly, Tag
from tests.catalog.factories import anomaly_make, catalog_make, tag_make


@dataclass
class World:
    datastore_id: int
    container_id: int
    field_id: int
    tag_id: int
    applied_tag_id: int
    anomaly_id: int


@pytest.fixture
def world(db) -> World:
    applied = tag_make("Applied")
    datastore = catalog_make(containers=1, fields=1, tags=(applied,))
    container = datastore.containers.get()
    return World(
        datastore_id=datastore.pk,
        container_id=container.pk,
        field_id=container.fields.get().pk,
        tag_id=tag_make("Spare").pk,
        applied_tag_id=applied.pk,
        anomaly_id=anomaly_make(container).pk,
    )


READS = [
    ("catalog:datastore_list", lambda w: []),
    ("catalog:datastore_detail", lambda w: [w.datastore_id]),
    ("catalog:container_detail", lambda w: [w.container_id]),
    ("catalog:field_detail", lambda w: [w.field_id]),
    ("catalog:tag_list", lambda w: []),
    ("catalog:tag_detail", lambda w: [w.tag_id]),
]

# (url name, args, POST data); each changes something when an Admin sends it.
ADMIN_ACTIONS = [
    ("catalog:tag_create", lambda w: [], {"name": "Fresh", "color": "#112233", "weight_modifier": 0}),
    ("catalog:tag_edit", lambda w: [w.tag_id], {"name": "Renamed", "color": "#112233", "weight_modifier": 1}),
    ("catalog:tag_delete", lambda w: [w.tag_id], {}),
    ("catalog:asset_tag_add", lambda w: ["container", w.container_id], {"tag": "__tag__"}),
    ("catalog:asset_tag_remove", lambda w: ["field", w.field_id, w.applied_tag_id], {}),
    ("catalog:anomaly_status", lambda w: [w.anomaly_id], {"status": "resolved"}),
    ("catalog:container_anomalies_resolve", lambda w: [w.container_id], {}),
]
ADMIN_NAMES = {name for name, *_ in ADMIN_ACTIONS}
ADMIN_FORMS = ["catalog:tag_create", "catalog:tag_edit", "catalog:tag_delete"]


def _post_data(data: dict, world: World) -> dict:
    return {k: (world.tag_id if v == "__tag__" else v) for k, v in data.items()}


def _state() -> tuple:
    """A fingerprint of everything the admin actions can change."""
    return (
        sorted(Tag.objects.values_list("name", "weight_modifier")),
        sorted(Tag.datastores.through.objects.values_list("tag_id", "datastore_id")),
        sorted(Tag.containers.through.objects.values_list("tag_id", "container_id")),
        sorted(Tag.fields.through.objects.values_list("tag_id", "field_id")),
        sorted(Anomaly.objects.values_list("pk", "status")),
    )


ALL_URLS = [(name, args) for name, args in READS] + [(name, args) for name, args, _ in ADMIN_ACTIONS]


@pytest.mark.parametrize(("name", "args"), ALL_URLS)
def test_anonymous_is_sent_to_sign_in(world, name, args):
    url = reverse(name, args=args(world))
    before = _state()

    response = Client().post(url) if name in ADMIN_NAMES else Client().get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('login')}?next=")
    assert _state() == before


@pytest.mark.parametrize(("name", "args"), READS)
def test_viewer_can_read_every_page(world, viewer_http, name, args):
    response = viewer_http.get(reverse(name, args=args(world)))

    assert response.status_code == 200
    assert b"<html" in response.content
    # Viewers never see the Admin controls.
    for control in (b"Add tag", b"Resolve all open", b"New tag", b">Edit<", b"Acknowledge"):
        assert control not in response.content


@pytest.mark.parametrize(("name", "args", "data"), ADMIN_ACTIONS)
def test_viewer_is_forbidden_every_admin_action(world, viewer_http, name, args, data):
    before = _state()

    response = viewer_http.post(reverse(name, args=args(world)), _post_data(data, world))

    assert response.status_code == 403
    assert _state() == before


@pytest.mark.parametrize("name", ADMIN_FORMS)
def test_viewer_cannot_even_open_the_tag_forms(world, viewer_http, name):
    args = [] if name == "catalog:tag_create" else [world.tag_id]
    assert viewer_http.get(reverse(name, args=args)).status_code == 403


@pytest.mark.parametrize(("name", "args", "data"), ADMIN_ACTIONS)
def test_admin_can_do_every_admin_action(world, admin_http, name, args, data):
    before = _state()

    response = admin_http.post(reverse(name, args=args(world)), _post_data(data, world))

    # Without htmx each action redirects back to a page.
    assert response.status_code == 302
    assert _state() != before


@pytest.mark.parametrize(("name", "args"), READS)
def test_admin_sees_every_page(world, admin_http, name, args):
    assert admin_http.get(reverse(name, args=args(world))).status_code == 200
