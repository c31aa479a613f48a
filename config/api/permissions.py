"""The pages' roles for the API: every signed-in user reads, only Admins change anything."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from accounts.roles import user_is_admin


class AdminChangesViewerReads(BasePermission):
    message = "Only Admins can do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or user_is_admin(request.user)
