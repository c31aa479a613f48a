"""List pages run a bounded number of queries, the same for 5 rows as for 30."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.catalog.factories import (
    anomaly_make,
    check_make,
    container_make,
    datastore_make,
    field_make,
    integration_make,
    scores_make,
    tag_make,
)

pytestmark = pytest.mark.django_db

# Session, user, groups, then the page's own reads; generous enough to survive small template changes.
MAX_QUERIES = 20


def _tags():
    integration = integration_make()
    return [tag_make("Global A"), tag_make("Global B"), tag_make("External", integration=integration)]


def _datastores(n: int, tags) -> None:
    for _ in range(n):
        datastore = datastore_make()
        datastore.tags.set(tags)
        scores_make(datastore, [70, 80])
        container = container_make(datastore)
        check_make(container)
        anomaly_make(container)


def _containers(n: int, tags):
    datastore = datastore_make()
    for _ in range(n):
        container = container_make(datastore)
        container.tags.set(tags)
        scores_make(container, [50, 60])
        check_make(container)
        anomaly_make(container)
    return datastore


def _fields(n: int, tags):
    container = container_make()
    for _ in range(n):
        field = field_make(container)
        field.tags.set(tags)
        scores_make(field, [90])
        check_make(container, fields=[field])
        anomaly_make(container)
    return container


def _tagged_everywhere(n: int, tags):
    for _ in range(n):
        datastore = datastore_make()
        datastore.tags.set(tags)
        container = container_make(datastore)
        container.tags.set(tags)
        field_make(container).tags.set(tags)
    return tags[0]


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


PAGES = {
    "datastore list": (_datastores, lambda made: "/datastores/"),
    "datastore page": (_containers, lambda made: made.get_absolute_url()),
    "container page": (_fields, lambda made: made.get_absolute_url()),
    "tag list": (lambda n, tags: [tag_make() for _ in range(n)], lambda made: "/tags/"),
    "tag page": (_tagged_everywhere, lambda made: made.get_absolute_url()),
}


@pytest.mark.parametrize("page", PAGES)
def test_page_query_count_does_not_grow_with_rows(admin_http, page, django_assert_max_num_queries):
    build, url_of = PAGES[page]
    tags = _tags()

    small = _queries(admin_http, url_of(build(5, tags)))
    large_url = url_of(build(30, tags))
    large = _queries(admin_http, large_url)
    with django_assert_max_num_queries(MAX_QUERIES):
        admin_http.get(large_url)

    assert small == large


def test_field_page_query_count_is_bounded(admin_http, django_assert_max_num_queries):
    container = _fields(5, _tags())
    field = container.fields.first()

    with django_assert_max_num_queries(MAX_QUERIES):
        assert admin_http.get(field.get_absolute_url()).status_code == 200
