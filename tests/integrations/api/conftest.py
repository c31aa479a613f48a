from __future__ import annotations

from collections.abc import Mapping

import pytest

from integrations.sync.connector import ConnectionOK, CredentialField
from tests.integrations.api import conftest as this
from tests.integrations.fakes import FakeConnector


class FakeAlation(FakeConnector):
    """Described as Alation will be (a user id and a refresh token), to test credentials by type."""

    label = "Alation"
    url_placeholder = "https://your-company.alationcloud.com"
    url_help = "Your Alation instance's address."
    credential_fields = (
        CredentialField(
            "user_id", "User ID", "The id of the user the refresh token belongs to.", secret=False
        ),
        CredentialField("refresh_token", "Refresh token", "A refresh token of that user."),
    )

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[dict[str, str]] = []

    def connection_test(self, *, url: str, credentials: Mapping[str, str]) -> ConnectionOK:
        self.seen.append(dict(credentials))
        if self.problem:
            raise self.problem
        return ConnectionOK(username="alation-user-7", detail="ok")


ALATION = FakeAlation()


def current_alation() -> FakeAlation:
    return ALATION


@pytest.fixture
def fake_alation(settings, monkeypatch, fake_connector) -> FakeAlation:
    fake = FakeAlation()
    monkeypatch.setattr(this, "ALATION", fake)
    settings.PLUMBLINE_CONNECTORS = settings.PLUMBLINE_CONNECTORS | {
        "alation": "tests.integrations.api.conftest.current_alation"
    }
    return fake
