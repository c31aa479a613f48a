"""Two roles: Admin manages integrations, syncs and global tags; Viewer reads everything."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

ADMIN_GROUP = "Admin"
VIEWER_GROUP = "Viewer"


def user_is_admin(user: Any) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    # Cached on the user object: templates and views ask several times per request.
    cached = getattr(user, "_plumbline_is_admin", None)
    if cached is None:
        cached = user.groups.filter(name=ADMIN_GROUP).exists()
        user._plumbline_is_admin = cached
    return cached


def admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in users that are not Admins get 403 (anonymous ones never get this far)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not user_is_admin(request.user):
            raise PermissionDenied("Only Admins can do this.")
        return view(request, *args, **kwargs)

    return wrapper
