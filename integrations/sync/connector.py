"""The contract every catalog connector fulfils, and how a connector describes itself to the UI.

The form, the card and the sync modal are built from a connector's description, so adding a
catalog touches its own package and one line of the registry (`integrations.connectors`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Protocol

if TYPE_CHECKING:
    from integrations.sync.context import RunContext

Credentials = Mapping[str, str]


class ConnectionProblem(Exception):
    """A connection check failed; `kind` says which way so the form can say what to do."""

    KINDS = ("unreachable", "tls", "not_api", "rejected", "no_access", "error")

    def __init__(self, kind: str, message: str, *, field: str = ""):
        assert kind in self.KINDS
        self.kind = kind
        self.message = message
        # The form field the problem is about; empty: decided by kind (credentials or URL).
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class ConnectionOK:
    username: str
    # What the credentials can see, e.g. "57 assets visible": shown after "Connected as <username> · ".
    detail: str
    # When the credentials stop working, if the catalog says (a refresh token's expiry).
    expires_at: datetime | None = None


@dataclass(frozen=True)
class CredentialField:
    """One credential the integration form asks for. Every credential is encrypted at rest."""

    name: str
    label: str
    help_text: str
    # Secret values are never rendered back; editing without typing one keeps the stored value.
    secret: bool = True
    placeholder: str = ""


@dataclass(frozen=True)
class ParameterField:
    """A scope option the form offers (stored in `Integration.parameters[name]` as a list of ids),
    whose choices the connector lists from the catalog with the URL and credentials typed."""

    name: str
    label: str
    help_text: str


Choice = tuple[str, str]  # (id, label)


@dataclass(frozen=True)
class SchemaTarget:
    """A catalog schema an admin may pin a datastore to, with the identifiers a pin keeps."""

    connection_ref: str  # Atlan: the connection's qualified name; Alation: the data source's id
    connection_name: str
    schema_ref: str  # Atlan: the schema's qualified name; Alation: its id
    schema_name: str
    schema_guid: str = ""  # Atlan only: what a rename keeps


class Connector(Protocol):
    """A catalog connector. Class attributes describe it; the methods do the catalog work."""

    label: ClassVar[str]
    available: ClassVar[bool]
    url_placeholder: ClassVar[str]
    url_help: ClassVar[str]
    credential_fields: ClassVar[tuple[CredentialField, ...]]
    # How the sync modal names what the push writes and the warning on tables with anomalies.
    push_help: ClassVar[str]
    alert_help: ClassVar[str]
    # What that warning is called in the catalog, for counts: "announcements set", "trust flags set".
    alert_name: ClassVar[str]
    parameter_fields: ClassVar[tuple[ParameterField, ...]]

    def connection_test(self, *, url: str, credentials: Credentials) -> ConnectionOK: ...

    def parameter_choices(self, name: str, *, url: str, credentials: Credentials) -> list[Choice]:
        """The choices of a parameter field, read from the catalog; raises ConnectionProblem."""

    def schema_choices(self, *, url: str, credentials: Credentials, connection: str) -> list[Choice]:
        """The schemas of one connection (a `connections` choice), to pin a datastore to."""

    def schema_find(self, *, url: str, credentials: Credentials, ref: str) -> SchemaTarget | None:
        """The schema with this id (a `schema_choices` choice), if the credentials can see it."""

    def sync(self, ctx: RunContext) -> None:
        """A full sync: pull, push or both, as the run asks."""

    def push_containers(self, ctx: RunContext, container_ids: list[int]) -> None:
        """An event push: only these tables (and their columns) to the catalog."""

    def asset_url(self, base_url: str, *, catalog_type: str, qualified_name: str, guid: str) -> str:
        """The asset's page in the catalog's own UI ("" when it cannot be linked)."""


class ComingSoon:
    """A catalog the form lists but cannot add yet."""

    label: ClassVar[str] = ""
    available: ClassVar[bool] = False
    url_placeholder: ClassVar[str] = "https://"
    url_help: ClassVar[str] = ""
    credential_fields: ClassVar[tuple[CredentialField, ...]] = ()
    push_help: ClassVar[str] = ""
    alert_help: ClassVar[str] = ""
    alert_name: ClassVar[str] = "announcements"
    parameter_fields: ClassVar[tuple[ParameterField, ...]] = ()

    def connection_test(self, *, url: str, credentials: Credentials) -> ConnectionOK:
        raise ConnectionProblem("error", f"{self.label} integrations are coming soon.")

    def parameter_choices(self, name: str, *, url: str, credentials: Credentials) -> list[Choice]:
        return []

    def schema_choices(self, *, url: str, credentials: Credentials, connection: str) -> list[Choice]:
        return []

    def schema_find(self, *, url: str, credentials: Credentials, ref: str) -> SchemaTarget | None:
        return None

    def sync(self, ctx: RunContext) -> None:
        raise NotImplementedError(f"{self.label} integrations are coming soon.")

    def push_containers(self, ctx: RunContext, container_ids: list[int]) -> None:
        raise NotImplementedError(f"{self.label} integrations are coming soon.")

    def asset_url(self, base_url: str, *, catalog_type: str, qualified_name: str, guid: str) -> str:
        return ""
