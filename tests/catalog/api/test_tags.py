"""Tags over the API: all of them read, global ones made, changed and deleted by Admins."""

from __future__ import annotations

import pytest

from catalog.models import Tag
from tests.catalog.factories import container_make, integration_make, tag_make

pytestmark = pytest.mark.django_db
BODY = {"name": "Finance", "color": "#22AA44", "category": "Domain", "weight_modifier": 3}


def test_tags_are_listed_by_name_with_their_kind_and_use(viewer_api):
    atlan = integration_make("Atlan prod")
    pii = tag_make("PII")
    tag_make("Certified", integration=atlan)
    container_make().tags.add(pii)
    body = viewer_api.get("/api/tags").json()
    assert [t["name"] for t in body["items"]] == ["Certified", "PII"]
    certified, pii_row = body["items"]
    assert certified["type"] == "external" and certified["integration"]["name"] == "Atlan prod"
    assert pii_row["container_count"] == 1 and pii_row["datastore_count"] == 0
    assert set(pii_row) >= {"id", "name", "type", "color", "category", "description", "weight_modifier"}


def test_tags_filter_by_type_integration_and_name(viewer_api):
    atlan = integration_make("Atlan prod")
    tag_make("PII")
    tag_make("Certified", integration=atlan)
    tag_make("Other", integration=integration_make("Second"))

    def names(query: str) -> list[str]:
        return [t["name"] for t in viewer_api.get(f"/api/tags?{query}").json()["items"]]

    assert names("type=global") == ["PII"]
    assert names("type=external") == ["Certified", "Other"]
    assert names(f"integration={atlan.pk}") == ["Certified"]
    assert names("q=ii") == ["PII"]
    response = viewer_api.get("/api/tags?type=both")
    assert response.status_code == 400 and response.json()["errors"] == {
        "type": ["Show global or external tags."]
    }


def test_admins_make_a_global_tag(admin_api):
    response = admin_api.post("/api/tags", BODY | {"type": "global"})
    body = response.json()
    assert response.status_code == 201 and response["Location"] == f"/api/tags/{body['id']}"
    tag = Tag.objects.get()
    assert (tag.name, tag.tag_type, tag.color, tag.weight_modifier) == ("Finance", "global", "#22AA44", 3)
    assert body["type"] == "global" and body["integration"] is None


def test_a_new_tag_gets_the_defaults(admin_api):
    body = admin_api.post("/api/tags", {"name": "  Plain  "}).json()
    assert (body["name"], body["color"], body["weight_modifier"]) == ("Plain", "#6B7280", 0)


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (BODY | {"type": "external"}, {"type": ['"external" is not a valid choice.']}),
        (BODY | {"color": "red"}, {"color": ["Use a hex colour such as #E74C3C."]}),
        (
            BODY | {"weight_modifier": 11},
            {"weight_modifier": ["Ensure this value is less than or equal to 10."]},
        ),
        ({"color": "#000000"}, {"name": ["This field is required."]}),
    ],
)
def test_invalid_tags_are_refused_with_field_errors(admin_api, body, errors):
    response = admin_api.post("/api/tags", body)
    assert response.status_code == 400 and response.json()["errors"] == errors
    assert not Tag.objects.exists()


def test_a_name_taken_in_another_case_is_refused_as_the_page_does(admin_api):
    tag_make("FINANCE", integration=integration_make())
    body = admin_api.post("/api/tags", BODY).json()
    assert body["errors"] == {"name": ["A tag named “FINANCE” already exists."]}


def test_admins_change_a_global_tag_with_put_or_patch(admin_api):
    tag = tag_make("Finance", category="Domain", weight_modifier=2)
    patched = admin_api.patch(f"/api/tags/{tag.pk}", {"color": "#112233"}).json()
    assert (
        patched["color"] == "#112233" and patched["category"] == "Domain" and patched["weight_modifier"] == 2
    )
    assert set(admin_api.put(f"/api/tags/{tag.pk}", {"color": "#000000"}).json()["errors"]) == {"name"}
    put = admin_api.put(f"/api/tags/{tag.pk}", {"name": "Money"}).json()
    assert put["name"] == "Money"
    assert Tag.objects.get().name == "Money"


def test_admins_delete_a_global_tag(admin_api):
    tag = tag_make("Finance")
    container = container_make()
    container.tags.add(tag)
    assert admin_api.delete(f"/api/tags/{tag.pk}").status_code == 204
    assert not Tag.objects.exists() and not container.tags.exists()
    assert admin_api.delete(f"/api/tags/{tag.pk}").status_code == 404


def test_external_tags_are_read_only(admin_api):
    tag = tag_make("Certified", integration=integration_make())
    message = "External tags are managed by their integration and are read-only."
    for response in (
        admin_api.patch(f"/api/tags/{tag.pk}", {"color": "#112233"}),
        admin_api.put(f"/api/tags/{tag.pk}", BODY),
        admin_api.delete(f"/api/tags/{tag.pk}"),
    ):
        assert response.status_code == 400 and response.json()["detail"] == message
    assert Tag.objects.get().name == "Certified"


def test_viewers_read_tags_but_change_none(viewer_api):
    tag = tag_make("PII")
    assert viewer_api.get(f"/api/tags/{tag.pk}").status_code == 200
    for response in (
        viewer_api.post("/api/tags", BODY),
        viewer_api.patch(f"/api/tags/{tag.pk}", {"color": "#112233"}),
        viewer_api.put(f"/api/tags/{tag.pk}", BODY),
        viewer_api.delete(f"/api/tags/{tag.pk}"),
    ):
        assert response.status_code == 403
    assert Tag.objects.get().color != "#112233"


def test_anonymous_requests_are_401(anonymous_api):
    tag = tag_make("PII")
    assert anonymous_api.get("/api/tags").status_code == 401
    assert anonymous_api.post("/api/tags", BODY).status_code == 401
    assert anonymous_api.patch(f"/api/tags/{tag.pk}", {}).status_code == 401
    assert anonymous_api.delete(f"/api/tags/{tag.pk}").status_code == 401
    assert anonymous_api.get("/api/tags/999").status_code == 401
