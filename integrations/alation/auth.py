"""Alation's token dance, as an `AuthHook` for `HttpClient`.

A refresh token (long-lived, made by a person in Alation) and its user id mint API access tokens
(24 h by default); every other call sends the access token in the `TOKEN` header. This hook
validates the refresh token once, mints an access token on first use, keeps it in memory only,
re-mints it shortly before its known expiry and whenever Alation refuses it (401, or a 403 that
is about credentials), and tells `HttpClient` every token it has held so none reaches a message
or a log line. Each way the refresh token can be wrong has its own error and its own advice.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from integrations.alation.errors import (
    AlationNotAnAlationApiError,
    AlationRefreshTokenExpiredError,
    AlationRefreshTokenInvalidError,
    AlationWrongUserIdError,
)
from integrations.alation.parsing import parse_access_token, parse_refresh_token
from integrations.alation.records import AccessToken, AlationUserToken
from integrations.http import (
    CatalogAuthenticationError,
    CatalogError,
    CatalogMalformedResponseError,
    CatalogNotFoundError,
    CatalogRequestError,
    HttpClient,
)

logger = logging.getLogger("integrations.alation.auth")

VALIDATE_PATH = "integration/v1/validateRefreshToken/"
CREATE_TOKEN_PATH = "integration/v1/createAPIAccessToken/"
# Re-mint this long before the known expiry, so a token never dies between check and use.
EXPIRY_MARGIN_SECONDS = 300.0
REFRESH_TOKEN_WARNING_DAYS = 7
# A 403 that is about credentials rather than rights (reference §9: a missing or bad TOKEN).
_CREDENTIAL_REFUSAL = re.compile(r"credentials were not provided|expired|invalid|authentication failed", re.I)
_LOOKS_LIKE_HTML = re.compile(r"<\s*(!doctype|html|head|body)\b", re.I)


def normalise_base_url(url: str) -> str:
    """`https://acme.alationcloud.com/app/` -> `https://acme.alationcloud.com` (the API is at the root)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            "The Alation URL must be an http(s) URL with a host, e.g. https://yourcompany.alationcloud.com."
        )
    return f"{parts.scheme}://{parts.netloc}"


def parse_user_id(value: int | str) -> int:
    """A positive user id, also from text ("7")."""
    number = value if isinstance(value, int) and not isinstance(value, bool) else None
    if isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number is None or number < 1:
        raise ValueError(
            "The Alation user id is a number: the one at the end of the profile URL (.../user/<id>/)."
        )
    return number


class AlationAuth:
    """The `AuthHook` of an Alation client. Call `attach(http)` before the first request."""

    def __init__(
        self,
        base_url: str,
        user_id: int,
        refresh_token: str,
        *,
        clock: Callable[[], float],
        expiry_margin: float = EXPIRY_MARGIN_SECONDS,
    ) -> None:
        self.base_url = base_url
        self.user_id = user_id
        self._refresh_token = refresh_token
        self._clock = clock
        self._expiry_margin = expiry_margin
        self._http: HttpClient | None = None
        self._lock = threading.RLock()
        self._access: AccessToken | None = None
        self._access_expires: float | None = None  # our clock, not Alation's
        self._minted: list[str] = []
        self.refresh_token_info: AlationUserToken | None = None
        self.mint_count = 0

    def __repr__(self) -> str:
        return f"AlationAuth(base_url={self.base_url!r}, user_id={self.user_id!r})"

    __str__ = __repr__

    def attach(self, http: HttpClient) -> None:
        self._http = http

    # AuthHook ----------------------------------------------------------------------------------

    def headers(self) -> dict[str, str]:
        with self._lock:
            if self._access is None:
                self.authenticate()
            elif self._access_expires is not None and self._clock() >= self._access_expires:
                logger.info("The Alation access token is about to expire; minting a new one")
                self.mint()
            assert self._access is not None
            return {"TOKEN": self._access.token}

    def secrets(self) -> list[str]:
        return [self._refresh_token, *self._minted]

    def refresh(self, error: CatalogError) -> bool:
        if not token_refused(error):
            return False
        logger.info("Alation refused the access token (HTTP %s); minting a new one", error.status)
        with self._lock:
            self.mint()
        return True

    # Tokens ------------------------------------------------------------------------------------

    def authenticate(self) -> AccessToken:
        """Validate the refresh token, then mint an access token."""
        with self._lock:
            self.validate()
            return self.mint()

    def validate(self) -> AlationUserToken:
        """What Alation says of the refresh token; a specific error for each way it is wrong."""
        body = self._token_call(VALIDATE_PATH)
        _raise_if_failed(body, self)
        try:
            info = parse_refresh_token(body)
        except CatalogMalformedResponseError:
            raise not_alation(self.base_url, "its token endpoint answered without a token status") from None
        if info.user_id != self.user_id:
            raise AlationWrongUserIdError(wrong_user_message(self, info.user_id))
        if info.status == "EXPIRED":
            raise AlationRefreshTokenExpiredError(expired_message(self, info.expires_at))
        if not info.is_active:
            raise AlationRefreshTokenInvalidError(inactive_message(self, info.status))
        self.refresh_token_info = info
        self._warn_if_expiring(info)
        return info

    def mint(self) -> AccessToken:
        """A new access token. When Alation refuses, the refresh token is validated to say why."""
        try:
            body = self._token_call(CREATE_TOKEN_PATH)
        except AlationRefreshTokenInvalidError:
            self.validate()  # raises the specific error: expired, revoked, wrong user
            raise
        _raise_if_failed(body, self)
        token = parse_access_token(body)
        self._minted.append(token.token)  # known to the scrubber before anything can echo it
        self._access = token
        self._access_expires = self._local_expiry(token)
        self.mint_count += 1
        logger.info("Minted an Alation access token for user %s", self.user_id)
        return token

    def _local_expiry(self, token: AccessToken) -> float | None:
        """Expiry on our clock: mint time plus the lifetime Alation states (immune to clock skew)."""
        if token.expires_at is None:
            return None
        if token.created_at is not None:
            lifetime = (token.expires_at - token.created_at).total_seconds()
        else:
            lifetime = token.expires_at.timestamp() - self._clock()
        if lifetime <= self._expiry_margin:
            return None  # nonsense or too short to plan on: rely on 401/403 instead
        return self._clock() + lifetime - self._expiry_margin

    def _token_call(self, path: str) -> Any:
        if self._http is None:
            raise RuntimeError("AlationAuth.attach(http) was not called.")
        body = {"refresh_token": self._refresh_token, "user_id": self.user_id}
        try:
            return self._http.post(path, json=body, read=True, idempotent=True, authenticate=False)
        except CatalogMalformedResponseError as exc:
            raise not_alation(self.base_url, f"it sent a page, not JSON, for /{path}", exc.status) from None
        except CatalogNotFoundError as exc:
            if "user" in exc.message.lower() and not _LOOKS_LIKE_HTML.search(exc.message):
                raise AlationWrongUserIdError(
                    wrong_user_message(self, None, exc.message), status=404
                ) from None
            raise not_alation(self.base_url, f"it has no /{path} endpoint (HTTP 404)", 404) from None
        except CatalogAuthenticationError as exc:
            if _LOOKS_LIKE_HTML.search(exc.message):
                raise not_alation(
                    self.base_url, "it answered the token endpoint with a login page", 401
                ) from None
            raise AlationRefreshTokenInvalidError(invalid_message(self), code=exc.code) from None
        except CatalogRequestError as exc:
            if exc.status == 405 or _LOOKS_LIKE_HTML.search(exc.message):
                raise not_alation(
                    self.base_url, f"it refused /{path} (HTTP {exc.status})", exc.status
                ) from None
            if "user" in exc.message.lower():
                raise AlationWrongUserIdError(
                    wrong_user_message(self, None, exc.message), status=exc.status
                ) from None
            raise AlationRefreshTokenInvalidError(f"{invalid_message(self)} ({exc.message})") from None

    def _warn_if_expiring(self, info: AlationUserToken) -> None:
        if info.expires_at is None:
            return
        days = (info.expires_at.timestamp() - self._clock()) / 86400
        if days < REFRESH_TOKEN_WARNING_DAYS:
            logger.warning(
                "The Alation refresh token expires on %s (in %.0f days): create a new one at %s/account/auth",
                _day(info.expires_at),
                max(days, 0),
                self.base_url,
            )


def token_refused(error: CatalogError) -> bool:
    """A 401, or a 403 whose message is about credentials, not rights."""
    if error.status == 401:
        return True
    return error.status == 403 and (error.code == "403000" or bool(_CREDENTIAL_REFUSAL.search(error.message)))


def _raise_if_failed(body: Any, auth: AlationAuth) -> None:
    """The SDK guards against a 200 that says `"status": "failed"` (reference §1)."""
    if isinstance(body, dict) and str(body.get("status", "")).lower() == "failed":
        detail = next((str(body[k]) for k in ("detail", "msg", "message", "result") if body.get(k)), "")
        raise AlationRefreshTokenInvalidError(f"{invalid_message(auth)} (Alation said: {detail or 'failed'})")


# --- Messages a person can act on -----------------------------------------------------------------


def _day(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _new_token_hint(base_url: str) -> str:
    return f"create a new refresh token in Alation ({base_url}/account/auth, signed in as that user)"


def not_alation(base_url: str, why: str, status: int | None = None) -> AlationNotAnAlationApiError:
    return AlationNotAnAlationApiError(
        f"{base_url} answered, but it is not an Alation API: {why}. Check the URL: it should be the "
        "address you open Alation at, e.g. https://yourcompany.alationcloud.com, with no path.",
        status=status,
    )


def expired_message(auth: AlationAuth, expires_at: datetime | None) -> str:
    when = f" on {_day(expires_at)}" if expires_at else ""
    return f"The Alation refresh token expired{when}. To reconnect, {_new_token_hint(auth.base_url)} and paste it here."


def inactive_message(auth: AlationAuth, status: str) -> str:
    return (
        f"The Alation refresh token is no longer active (Alation says {status}): it was probably revoked. "
        f"To reconnect, {_new_token_hint(auth.base_url)} and paste it here."
    )


def invalid_message(auth: AlationAuth) -> str:
    return (
        f"Alation does not accept this refresh token for user id {auth.user_id}: it was revoked or deleted, "
        "mistyped, or made by a different user (Alation checks the token and the user id together). Check "
        "that the user id is the number at the end of that user's Alation profile URL (.../user/<id>/); "
        f"if it is, {_new_token_hint(auth.base_url)} and paste it here."
    )


def wrong_user_message(auth: AlationAuth, actual: int | None, detail: str = "") -> str:
    if actual is not None:
        return (
            f"This refresh token belongs to Alation user id {actual}, not {auth.user_id}. Set the user id to "
            f"{actual}, or paste a refresh token made by user {auth.user_id}."
        )
    said = f" ({detail})" if detail else ""
    return (
        f"Alation does not know user id {auth.user_id}{said}. The user id is the number at the end of the "
        "Alation profile URL (.../user/<id>/) of the user who made the refresh token."
    )
