"""Settings › API tokens: a user's personal tokens, made (the key shown once), listed and revoked."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from accounts.forms import ApiTokenForm
from accounts.models import ApiToken
from accounts.selectors import api_token_list
from accounts.services import api_token_create, api_token_revoke
from config.htmx import HtmxHttpRequest

CHANGED = "api-tokens:changed"


@require_GET
def api_tokens(request: HtmxHttpRequest) -> HttpResponse:
    context = {"tokens": api_token_list(user=request.user)}
    if request.htmx and request.GET.get("fragment") == "tokens":
        return render(request, "accounts/partials/_tokens.html", context)
    return render(request, "accounts/api_tokens.html", context)


def _modal_or_page(request: HtmxHttpRequest, fragment: str, context: dict) -> HttpResponse:
    if request.htmx:
        return render(request, fragment, context)
    return render(request, "accounts/form_page.html", context | {"fragment": fragment})


@require_http_methods(["GET", "POST"])
def api_token_add(request: HtmxHttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        token, key = api_token_create(user=request.user, name=form.cleaned_data["name"])
        context = {"token": token, "key": key, "title": "Token created"}
        response = _modal_or_page(request, "accounts/partials/_token_created.html", context)
        # The key is in this answer only: no cache may keep it.
        response["Cache-Control"] = "no-store"
        return trigger_client_event(response, CHANGED)
    return _modal_or_page(
        request, "accounts/partials/_token_form.html", {"form": form, "title": "New API token"}
    )


@require_POST
def api_token_remove(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Revoke one of the user's own tokens; scripts using it get 401 from the next request on."""
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    api_token_revoke(token=token)
    if request.htmx:
        return render(
            request, "accounts/partials/_tokens.html", {"tokens": api_token_list(user=request.user)}
        )
    messages.success(request, f"The token “{token.name}” was revoked.")
    return redirect("accounts:api_tokens")
