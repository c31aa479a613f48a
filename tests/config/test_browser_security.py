"""What the browser is told: a Content Security Policy with no inline script, no caching of
signed-in pages, and pages that need nothing inline."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.integrations.fakes import make_integration

pytestmark = pytest.mark.django_db


def csp_directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def test_every_page_has_a_content_security_policy_without_inline_script(admin_http, client):
    for response in (admin_http.get(reverse("catalog:datastore_list")), client.get(reverse("login"))):
        directives = csp_directives(response)
        assert directives["script-src"] == ["'self'"]
        assert directives["style-src"] == ["'self'"]
        assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
        assert not any("unsafe" in source for sources in directives.values() for source in sources)


def test_pages_carry_no_inline_script_handler_or_style(admin_http):
    integration = make_integration()
    pages = [
        reverse("catalog:datastore_list"),
        reverse("catalog:tag_list"),
        reverse("integrations:list"),
        reverse("integrations:edit", args=[integration.pk]),
        reverse("integrations:run_list", args=[integration.pk]),
    ]
    for url in pages:
        html = admin_http.get(url).content.decode()
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert scripts and all(" src=" in tag for tag in scripts), (url, scripts)
        assert not re.search(r"\son[a-z]+\s*=", html), url
        assert not re.search(r"\sstyle\s*=", html), url
        assert not re.search(r"<style\b", html), url
        assert '"allowEval": false' in html and '"includeIndicatorStyles": false' in html
        # No hx-swap or hx-target leaks from a container into the buttons inside it.
        assert '"disableInheritance": true' in html


def test_signed_in_pages_are_never_cached(admin_http, viewer_http):
    integration = make_integration()
    for http, url in [
        (admin_http, reverse("catalog:datastore_list")),
        (admin_http, reverse("integrations:edit", args=[integration.pk])),
        (viewer_http, reverse("integrations:list")),
    ]:
        cache = {part.strip() for part in http.get(url)["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= cache, url
