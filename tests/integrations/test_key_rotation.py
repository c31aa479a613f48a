"""rotate_encryption_keys: after it, the old key can be dropped and every credential still decrypts."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from integrations.models import Integration
from tests.integrations.fakes import make_integration

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture
def old_key(settings):
    settings.PLUMBLINE_ENCRYPTION_KEYS = [OLD]
    return settings


def test_after_rotating_the_old_key_can_be_dropped_and_credentials_still_decrypt(db, old_key, capsys):
    make_integration("Atlan prod", token="token-of-atlan-prod")
    make_integration("Atlan test", token="token-of-atlan-test")
    old_key.PLUMBLINE_ENCRYPTION_KEYS = [NEW, OLD]

    call_command("rotate_encryption_keys")

    out = capsys.readouterr().out
    assert "Re-encrypted the credentials of 2 integration(s) with the first of 2 key(s)." in out
    assert "can now be removed" in out
    old_key.PLUMBLINE_ENCRYPTION_KEYS = [NEW]
    assert sorted(i.token for i in Integration.objects.all()) == [
        "token-of-atlan-prod",
        "token-of-atlan-test",
    ]


def test_without_rotating_dropping_the_old_key_makes_credentials_unreadable(db, old_key):
    make_integration(token="token-of-atlan-prod")
    old_key.PLUMBLINE_ENCRYPTION_KEYS = [NEW]
    with pytest.raises(ImproperlyConfigured, match="cannot be decrypted"):
        Integration.objects.get().token  # noqa: B018


def test_a_credential_saved_while_rotating_is_not_overwritten(db, old_key, monkeypatch):
    from integrations.management.commands import rotate_encryption_keys as command

    integration = make_integration(token="before")
    old_key.PLUMBLINE_ENCRYPTION_KEYS = [NEW, OLD]
    real_rotate = command.secret_rotate

    def rotate_while_an_admin_saves(token: str) -> str:
        fresh = Integration.objects.get(pk=integration.pk)
        fresh.token = "typed-meanwhile"
        fresh.save()
        return real_rotate(token)

    monkeypatch.setattr(command, "secret_rotate", rotate_while_an_admin_saves)
    assert command.credentials_rotate() == (0, 1)
    old_key.PLUMBLINE_ENCRYPTION_KEYS = [NEW]
    assert Integration.objects.get().token == "typed-meanwhile"
