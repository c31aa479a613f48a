"""The finish: styled 403, 404 and 500 pages, the favicon, the add-tag placeholder, catalog marks."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from tests.catalog.factories import catalog_make, container_make, integration_make, tag_make
from tests.integrations.fakes import make_integration

pytestmark = pytest.mark.django_db


def test_a_missing_page_is_a_404_in_the_layout(admin_http):
    response = admin_http.get("/datastores/999999/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html and 'class="sidebar"' in html and "alice-admin" in html
    assert "/static/css/app.css" in html


def test_someone_not_signed_in_gets_the_404_page_with_a_way_to_sign_in(client):
    response = client.get("/no/such/page/")
    html = response.content.decode()
    assert response.status_code == 404 and "Page not found" in html
    assert 'href="/accounts/login/"' in html and "Sign out" not in html


def test_a_viewer_asking_for_an_admin_page_gets_a_403_that_says_why(viewer_http):
    response = viewer_http.get(reverse("integrations:add"))
    html = response.content.decode()
    assert response.status_code == 403
    assert "Not allowed" in html and "Only Admins can do this." in html and "a Viewer" in html
    assert 'class="sidebar"' in html


def test_the_500_page_needs_no_request_at_all():
    html = render_to_string("500.html")  # what Django's handler does: no request, no context
    assert "Something went wrong on our side" in html and "/static/css/app.css" in html
    assert "csrf" not in html.lower()


def test_a_crash_shows_the_500_page(admin, monkeypatch):
    from catalog import views

    def crash(**kwargs):
        raise RuntimeError("broken")

    monkeypatch.setattr(views.selectors, "datastore_list", crash)
    client = Client(raise_request_exception=False)
    client.force_login(admin)
    response = client.get(reverse("catalog:datastore_list"))
    assert response.status_code == 500 and b"Something went wrong on our side" in response.content


def test_the_favicon_is_served_to_everyone(client, admin_http):
    for http in (client, admin_http):
        response = http.get("/favicon.ico")
        assert response.status_code == 301 and response["Location"] == "/static/img/plumbline.svg"
    assert 'rel="icon"' in client.get(reverse("login")).content.decode()


def test_the_add_tag_select_starts_on_a_placeholder(admin_http):
    tag_make("Finance")
    container = container_make()
    html = admin_http.get(container.get_absolute_url()).content.decode()
    select = html[
        html.index('<select name="tag"') : html.index("</select>", html.index('<select name="tag"'))
    ]
    assert 'required><option value="" selected disabled>Choose a tag…</option>' in select.replace(
        "\n      ", ""
    )
    assert "<option value=" in select.split("Choose a tag…")[1]


def test_cards_show_their_catalogs_mark(admin_http):
    make_integration()
    make_integration("Alation prod", integration_type="alation")
    html = admin_http.get(reverse("integrations:list")).content.decode()
    assert '<span class="mark mark-atlan" aria-hidden="true">A</span> Atlan prod' in html
    assert '<span class="mark mark-alation" aria-hidden="true">A</span> Alation prod' in html


def test_external_chips_show_the_mark_and_name_their_integration_on_hover_only(viewer_http):
    external = tag_make("Certified", integration=integration_make("Atlan prod"))
    catalog_make(tags=(external,))
    html = viewer_http.get(reverse("catalog:datastore_list")).content.decode()
    chip = html[html.index('<a class="chip chip-external"') : html.index("</a>", html.index("chip-external"))]
    assert 'title="External tag from integration Atlan prod"' in chip and 'class="mark mark-atlan"' in chip
    visible = chip.split('<span class="sr-only">')[0]
    assert "Atlan prod" not in visible.split('">', 1)[1]  # only in the title and the screen-reader text
