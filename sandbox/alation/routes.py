"""The API's routes: (method, path pattern, kind for the counters, category, handler, needs TOKEN)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from . import api_auth, api_catalog, api_domains, api_dq, api_fields, api_flags, api_jobs, api_tags
from .base import Ctx, Reply

_ID = r"(\d+)"
_SEG = r"([^/]+)"


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    kind: str
    category: str  # "read", "write" or "auth"
    handler: Callable[[Ctx], Reply]
    needs_token: bool = True


def _r(method: str, path: str, kind: str, category: str, handler: Callable[[Ctx], Reply]) -> Route:
    return Route(method, re.compile(f"^{path}$"), kind, category, handler, category != "auth")


ROUTES: list[Route] = [
    _r(
        "POST",
        "/integration/v1/validateRefreshToken/",
        "token.validate_refresh",
        "auth",
        api_auth.validate_refresh_token,
    ),
    _r(
        "POST",
        "/integration/v1/createAPIAccessToken/",
        "token.create_access",
        "auth",
        api_auth.create_access_token,
    ),
    _r(
        "POST",
        "/integration/v1/validateAPIAccessToken/",
        "token.validate_access",
        "auth",
        api_auth.validate_access_token,
    ),
    _r(
        "POST",
        "/integration/v1/revokeAPIAccessTokens/",
        "token.revoke_access",
        "auth",
        api_auth.revoke_access_tokens,
    ),
    _r(
        "GET",
        "/integration/v1/datasource/",
        "datasource.v1.list",
        "read",
        partial(api_catalog.list_datasources, api="v1"),
    ),
    _r(
        "GET",
        f"/integration/v1/datasource/{_ID}/",
        "datasource.v1.get",
        "read",
        partial(api_catalog.get_datasource, api="v1"),
    ),
    _r(
        "GET",
        "/integration/v2/datasource/",
        "datasource.v2.list",
        "read",
        partial(api_catalog.list_datasources, api="v2"),
    ),
    _r(
        "GET",
        f"/integration/v2/datasource/{_ID}/",
        "datasource.v2.get",
        "read",
        partial(api_catalog.get_datasource, api="v2"),
    ),
    _r(
        "GET",
        "/integration/v2/schema/",
        "schema.list",
        "read",
        partial(api_catalog.list_objects, otype="schema"),
    ),
    _r(
        "GET",
        "/integration/v2/table/",
        "table.list",
        "read",
        partial(api_catalog.list_objects, otype="table"),
    ),
    _r(
        "GET",
        "/integration/v2/column/",
        "column.list",
        "read",
        partial(api_catalog.list_objects, otype="attribute"),
    ),
    _r("GET", "/integration/tag/", "tag.list", "read", api_tags.list_tags),
    _r("GET", f"/integration/tag/{_ID}/", "tag.get", "read", api_tags.get_tag),
    _r("PATCH", f"/integration/tag/{_ID}/", "tag.update", "write", api_tags.patch_tag),
    _r("GET", f"/integration/tag/{_SEG}/subject/", "tag.subjects", "read", api_tags.tag_subjects),
    _r("POST", f"/integration/tag/{_SEG}/subject/", "tag.add_subject", "write", api_tags.add_subject),
    _r(
        "DELETE",
        f"/integration/tag/{_SEG}/subject/{_SEG}/{_SEG}/",
        "tag.remove_subject",
        "write",
        api_tags.remove_subject,
    ),
    _r("GET", "/integration/v2/custom_field/", "custom_field.list", "read", api_fields.list_fields),
    _r("POST", "/integration/v2/custom_field/", "custom_field.create", "write", api_fields.create_fields),
    _r(
        "GET",
        f"/integration/v2/custom_field/builtin/{_SEG}/",
        "custom_field.builtin",
        "read",
        api_fields.get_builtin,
    ),
    _r("GET", f"/integration/v2/custom_field/{_ID}/", "custom_field.get", "read", api_fields.get_field),
    _r(
        "GET",
        "/integration/v2/custom_field_value/",
        "custom_field_value.list",
        "read",
        api_fields.list_values,
    ),
    _r(
        "PUT",
        "/integration/v2/custom_field_value/async/",
        "custom_field_value.put",
        "write",
        api_fields.put_values_async,
    ),
    _r("GET", "/api/v1/bulk_metadata/job/", "job.get", "read", api_jobs.get_job),
    _r("POST", "/integration/v1/data_quality/", "data_quality.post", "write", api_dq.post),
    _r("DELETE", "/integration/v1/data_quality/", "data_quality.delete", "write", api_dq.delete),
    _r("GET", "/integration/v1/data_quality/fields/", "data_quality.fields", "read", api_dq.list_fields),
    _r("GET", "/integration/v1/data_quality/values/", "data_quality.values", "read", api_dq.list_values),
    _r("GET", "/integration/flag/", "flag.list", "read", api_flags.list_flags),
    _r("POST", "/integration/flag/", "flag.create", "write", api_flags.create),
    _r("GET", f"/integration/flag/{_ID}/", "flag.get", "read", api_flags.get_flag),
    _r("PUT", f"/integration/flag/{_ID}/", "flag.update", "write", api_flags.update),
    _r("DELETE", f"/integration/flag/{_ID}/", "flag.delete", "write", api_flags.delete),
    _r("GET", "/integration/v2/domain/", "domain.list", "read", api_domains.list_domains),
    _r(
        "POST",
        "/integration/v2/domain/membership/view_rules/",
        "domain.view_rules",
        "read",
        api_domains.view_rules,
    ),
    _r("POST", "/integration/v2/domain/membership/", "domain.assign", "write", api_domains.assign),
    _r("POST", "/integration/v2/domain/membership/remove/", "domain.remove", "write", api_domains.remove),
]


def match(method: str, path: str) -> tuple[Route | None, tuple[str, ...], bool]:
    """(route, path arguments, whether the path exists for another method)."""
    other_method = False
    for route in ROUTES:
        found = route.pattern.match(path)
        if found is None:
            continue
        if route.method == method:
            return route, found.groups(), False
        other_method = True
    return None, (), other_method
