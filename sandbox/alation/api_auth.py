"""Token endpoints (refresh token + user id → access token) and the TOKEN header check."""

from __future__ import annotations

from typing import Any

from . import errors
from .auth import RefreshToken, User
from .base import Ctx, Reply
from .behaviour import Behaviour
from .store import Store


def _body(ctx: Ctx, *names: str) -> dict[str, Any]:
    body = ctx.body if isinstance(ctx.body, dict) else {}
    missing = {n: errors.required() for n in names if body.get(n) in (None, "")}
    if missing:
        raise errors.fields(missing)
    return body


def _refresh(ctx: Ctx, *, allow_expired: bool) -> RefreshToken:
    body = _body(ctx, "refresh_token", "user_id")
    refresh = ctx.store.auth.refresh(body["refresh_token"], body["user_id"])
    if refresh is None or ctx.store.auth.users.get(refresh.user_id) is None:
        raise errors.invalid_refresh_token()
    status = refresh.status(ctx.store.now())
    if status == "REVOKED" and (ctx.behaviour.revoked_refresh_token != "status" or not allow_expired):
        raise errors.invalid_refresh_token()
    if status == "EXPIRED" and not allow_expired:
        raise errors.invalid_refresh_token()
    return refresh


def validate_refresh_token(ctx: Ctx) -> Reply:
    refresh = _refresh(ctx, allow_expired=True)
    body = refresh.body(ctx.store.now())
    if body["token_status"] == "EXPIRED":
        # Check the field, not only the status: 200 with EXPIRED is the documented answer.
        return Reply(ctx.behaviour.expired_refresh_token_status, body)
    return Reply(200, body)


def create_access_token(ctx: Ctx) -> Reply:
    refresh = _refresh(ctx, allow_expired=False)
    access = ctx.store.auth.mint(refresh, ctx.store.now(), ctx.store.rng)
    return Reply(200, access.body(ctx.store.now()))


def validate_access_token(ctx: Ctx) -> Reply:
    body = _body(ctx, "api_access_token", "user_id")
    access = ctx.store.auth.access_tokens.get(str(body["api_access_token"]))
    if access is None or access.revoked or str(access.user_id) != str(body["user_id"]):
        raise errors.invalid_access_token()
    # An expired access token answers like an expired refresh token: 200, token_status EXPIRED.
    return Reply(200, access.body(ctx.store.now()))


def revoke_access_tokens(ctx: Ctx) -> Reply:
    refresh = _refresh(ctx, allow_expired=True)
    ctx.store.auth.revoke_access_for(refresh)
    detail = f"Revoked active access tokens for refresh token: '{refresh.name}' with id: {refresh.id}"
    return Reply(200, {"detail": detail})


def authenticate(store: Store, behaviour: Behaviour, token: str) -> User:
    """The user behind a TOKEN header, or the error Alation answers."""
    if not token:
        raise errors.not_authenticated()
    access = store.auth.active_access(token, store.now())
    if access is None:
        if behaviour.expired_access_token_status == 401:
            raise errors.invalid_access_token()
        raise errors.not_authenticated()
    return store.auth.users[access.user_id]
