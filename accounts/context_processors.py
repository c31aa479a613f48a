from __future__ import annotations

from django.http import HttpRequest

from accounts.roles import user_is_admin


def roles(request: HttpRequest) -> dict[str, bool]:
    user = getattr(request, "user", None)
    return {"is_admin": bool(user is not None and user_is_admin(user))}
