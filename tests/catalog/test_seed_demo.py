"""seed_demo loads the demo only into an empty catalog (make run keeps the user's work); --reset starts
over on purpose, after asking."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from catalog.models import Anomaly, Datastore, Tag
from integrations.models import Integration, SyncRun
from tests.integrations.fakes import make_integration

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_an_empty_catalog_gets_the_demo_and_the_demo_users():
    out = seed()
    assert Datastore.objects.count() == 3 and "Loaded" in out
    assert "Demo admin: admin / plumbline (created)" in out


def test_a_restart_keeps_what_the_user_changed():
    seed()
    Anomaly.objects.filter(status="active").update(status="resolved")
    Datastore.objects.filter(name="Finance Mart").delete()
    out = seed()
    assert "already has 2 datastore(s): the demo is not loaded again" in out and "seed_demo --reset" in out
    assert not Anomaly.objects.filter(status="active").exists()
    assert not Datastore.objects.filter(name="Finance Mart").exists()
    assert "Demo admin: admin / plumbline (exists)" in out


def test_reset_starts_over_with_the_catalog_and_the_integrations():
    seed()
    Anomaly.objects.filter(status="active").update(status="resolved")
    integration = make_integration()
    SyncRun.objects.create(integration=integration, status="succeeded", pull=True)
    Tag.objects.create(name="Theirs", tag_type="external", integration=integration)
    out = seed("--reset", "--no-input")
    assert "Started over: deleted 3 datastores, 4 tags, 1 integration with its syncs." in out
    assert Anomaly.objects.filter(status="active").exists()
    assert not Integration.objects.exists() and not SyncRun.objects.exists()
    assert not Tag.objects.filter(name="Theirs").exists() and Datastore.objects.count() == 3


def test_reset_asks_first_and_a_no_changes_nothing(monkeypatch):
    seed()
    Datastore.objects.filter(name="Finance Mart").delete()
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    out = seed("--reset")
    assert "This deletes the whole catalog (2 datastore(s)" in out and "Nothing was deleted." in out
    assert Datastore.objects.count() == 2
    monkeypatch.setattr("builtins.input", lambda prompt: "yes")
    assert "Started over" in seed("--reset") and Datastore.objects.count() == 3


def test_reset_without_a_terminal_needs_no_input(monkeypatch):
    seed()

    def no_terminal(prompt: str) -> str:
        raise EOFError

    monkeypatch.setattr("builtins.input", no_terminal)
    with pytest.raises(CommandError, match="add --no-input"):
        seed("--reset")
    assert Datastore.objects.count() == 3
