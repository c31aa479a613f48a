"""Secrets at rest: Fernet with the keys from PLUMBLINE_ENCRYPTION_KEYS (first one encrypts)."""

from __future__ import annotations

from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver


@cache
def _fernet() -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in settings.PLUMBLINE_ENCRYPTION_KEYS])
    except (ValueError, TypeError) as exc:
        # Say which setting is wrong, never echo the key itself.
        raise ImproperlyConfigured(
            "PLUMBLINE_ENCRYPTION_KEYS must hold url-safe base64 Fernet keys "
            "(make one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())')."
        ) from exc


def secret_encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def secret_decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise _undecryptable() from exc


def secret_rotate(token: str) -> str:
    """The same secret encrypted again with the first key, so the other keys can be dropped."""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise _undecryptable() from exc


def _undecryptable() -> ImproperlyConfigured:
    return ImproperlyConfigured(
        "A stored secret cannot be decrypted with PLUMBLINE_ENCRYPTION_KEYS; "
        "was the key changed without keeping the old one?"
    )


@receiver(setting_changed, dispatch_uid="integrations.crypto.keys")
def _keys_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "PLUMBLINE_ENCRYPTION_KEYS":
        _fernet.cache_clear()
