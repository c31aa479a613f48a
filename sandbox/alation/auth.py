"""Users, refresh tokens and short-lived API access tokens.

A user sees every data source, or (as Alation's data-source permissions do) only some; a
Server Admin may change other users' trust flags. Access tokens are minted from a refresh token
and expire after `access_ttl` seconds (24 h by default, as in Alation).
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from typing import Any

from .base import iso

DEFAULT_ACCESS_TTL = 24 * 3600.0


@dataclass
class User:
    id: int
    username: str
    display_name: str
    email: str = ""
    admin: bool = False
    # Data source ids this user may see; None = all.
    data_sources: list[int] | None = None

    def sees(self, ds_id: int) -> bool:
        return self.data_sources is None or ds_id in self.data_sources

    def ref(self) -> dict[str, Any]:
        return {"id": self.id, "url": f"/user/{self.id}/", "display_name": self.display_name}


@dataclass
class RefreshToken:
    id: int
    token: str
    user_id: int
    name: str
    created_at: float
    expires_at: float
    revoked: bool = False
    last_used_at: float | None = None

    def status(self, now: float) -> str:
        if self.revoked:
            return "REVOKED"
        return "EXPIRED" if now >= self.expires_at else "ACTIVE"

    def body(self, now: float) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "created_at": iso(self.created_at),
            "token_expires_at": iso(self.expires_at),
            "token_status": self.status(now),
            "last_used_at": iso(self.last_used_at) if self.last_used_at else None,
            "name": self.name,
            "refresh_token": self.token,
        }


@dataclass
class AccessToken:
    token: str
    user_id: int
    refresh_token: str
    created_at: float
    expires_at: float
    revoked: bool = False

    def status(self, now: float) -> str:
        return "EXPIRED" if now >= self.expires_at else "ACTIVE"

    def body(self, now: float) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "created_at": iso(self.created_at),
            "token_expires_at": iso(self.expires_at),
            "token_status": self.status(now),
            "api_access_token": self.token,
        }


@dataclass
class Auth:
    users: dict[int, User] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    access_ttl: float = DEFAULT_ACCESS_TTL

    def add_user(self, user: User) -> User:
        self.users[user.id] = user
        return user

    def add_refresh_token(self, token: RefreshToken) -> RefreshToken:
        self.refresh_tokens[token.token] = token
        return token

    def refresh(self, token: Any, user_id: Any) -> RefreshToken | None:
        """The refresh token, if it exists and belongs to that user id."""
        found = self.refresh_tokens.get(str(token)) if token else None
        if found is None or str(found.user_id) != str(user_id):
            return None
        return found

    def mint(self, refresh: RefreshToken, now: float, rng: random.Random) -> AccessToken:
        token = f"{rng.getrandbits(160):040x}"
        access = AccessToken(token, refresh.user_id, refresh.token, now, now + self.access_ttl)
        self.access_tokens[token] = access
        refresh.last_used_at = now
        return access

    def active_access(self, token: str, now: float) -> AccessToken | None:
        access = self.access_tokens.get(token) if token else None
        if access is None or access.revoked or access.status(now) != "ACTIVE":
            return None
        if self.users.get(access.user_id) is None:
            return None
        return access

    def revoke_access_for(self, refresh: RefreshToken) -> int:
        count = 0
        for access in self.access_tokens.values():
            if access.refresh_token == refresh.token and not access.revoked:
                access.revoked = True
                count += 1
        return count

    def expire_all(self, now: float) -> None:
        """End every access token now (an access token that expires mid-sync)."""
        for access in self.access_tokens.values():
            access.expires_at = min(access.expires_at, now)

    def to_state(self) -> dict[str, Any]:
        return {
            "users": [asdict(u) for u in self.users.values()],
            "refresh_tokens": [asdict(t) for t in self.refresh_tokens.values()],
            "access_tokens": [asdict(t) for t in self.access_tokens.values()],
            "access_ttl": self.access_ttl,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Auth:
        auth = cls(access_ttl=float(state.get("access_ttl", DEFAULT_ACCESS_TTL)))
        for user in state["users"]:
            auth.add_user(User(**user))
        for token in state["refresh_tokens"]:
            auth.add_refresh_token(RefreshToken(**token))
        for token in state.get("access_tokens", []):
            auth.access_tokens[token["token"]] = AccessToken(**token)
        return auth
