"""The Atlan connector: how Atlan describes itself to the UI, the connection check, the choices of
its scope (data domains, connections), and the entry points."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar
from urllib.parse import quote, urlsplit

from django.template.defaultfilters import pluralize
from django.views.decorators.debug import sensitive_variables

from integrations.atlan.client import AtlanClient
from integrations.atlan.matching import connector_of
from integrations.atlan.pins import connection_schemas, schema_label, schema_target
from integrations.atlan.queries import bool_filter, query_connections, term, terms
from integrations.atlan.records import AtlanAsset
from integrations.atlan.scope import domain_paths, domains_list
from integrations.atlan.sync import SEARCH_PAGE_SIZE, AtlanSync
from integrations.http import (
    CatalogAddressRefusedError,
    CatalogAuthenticationError,
    CatalogConnectionError,
    CatalogError,
    CatalogMalformedResponseError,
    CatalogNotFoundError,
    CatalogPermissionError,
    CatalogTLSError,
)
from integrations.sync.connector import (
    Choice,
    ConnectionOK,
    ConnectionProblem,
    CredentialField,
    Credentials,
    ParameterField,
    SchemaTarget,
)
from integrations.sync.context import RunContext, retry_notice

__all__ = ["BULK_PAGING_THRESHOLD", "CLIENT_OPTIONS", "SEARCH_PAGE_SIZE", "AtlanConnector"]

# Extra AtlanClient options; tests set e.g. {"sleep": lambda s: None} to keep retries fast.
CLIENT_OPTIONS: dict[str, Any] = {}
# Elasticsearch refuses from+size beyond 10 000, so page by timestamp before reaching it.
BULK_PAGING_THRESHOLD = 9_000


def host_port(url: str) -> str:
    """'acme.atlan.com:443': a message about reaching a host names the port it tried too."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return parts.hostname or url
    return f"{parts.hostname or url}:{port}"


@sensitive_variables("token")
def client_build(url: str, token: str, ctx: RunContext | None = None) -> AtlanClient:
    options: dict[str, Any] = {"bulk_paging_threshold": BULK_PAGING_THRESHOLD, **CLIENT_OPTIONS}
    if ctx is not None:
        options.setdefault(
            "on_wait", lambda seconds, why: ctx.log(retry_notice(seconds, why), level="WARNING")
        )
    return AtlanClient(url, token, **options)


def connection_label(connection: AtlanAsset) -> str:
    connector = connection.attributes.get("connectorName") or connector_of(connection.qualified_name)
    return f"{connection.name} ({connector})"


@sensitive_variables("credentials")
def client_for_check(url: str, credentials: Credentials) -> AtlanClient:
    """A client that gives up soon: a person is waiting for the answer."""
    try:
        return AtlanClient(
            url, credentials.get("token", ""), max_retries=1, timeout=(5.0, 20.0), **CLIENT_OPTIONS
        )
    except ValueError as exc:
        raise ConnectionProblem("not_api", str(exc)) from None


@contextmanager
def problems_explained(url: str) -> Iterator[None]:
    """Client errors as ConnectionProblems that say what to fix. No message holds the token."""
    host = host_port(url)
    try:
        yield
    except CatalogAddressRefusedError as exc:
        raise ConnectionProblem("unreachable", str(exc)) from None
    except CatalogTLSError as exc:
        raise ConnectionProblem("tls", f"The TLS handshake with {host} failed: {exc}") from None
    except CatalogConnectionError:
        raise ConnectionProblem(
            "unreachable",
            f"Nothing answers at {host}: check the URL, and that this server can reach that host and port.",
        ) from None
    except CatalogAuthenticationError:
        raise ConnectionProblem(
            "rejected", "Atlan rejected the API token: check it was copied whole and has not expired."
        ) from None
    except (CatalogMalformedResponseError, CatalogNotFoundError):
        raise ConnectionProblem(
            "not_api",
            f"{url} answered, but it does not look like an Atlan API: use your tenant's address, "
            "e.g. https://yourcompany.atlan.com.",
        ) from None
    except CatalogPermissionError:
        raise ConnectionProblem(
            "no_access", "The token is valid but not allowed to search assets: check its persona."
        ) from None
    except CatalogError as exc:
        raise ConnectionProblem("error", f"Atlan answered with an error: {exc}") from None


class AtlanConnector:
    label: ClassVar[str] = "Atlan"
    available: ClassVar[bool] = True
    url_placeholder: ClassVar[str] = "https://your-company.atlan.com"
    url_help: ClassVar[str] = "Your Atlan tenant's address, e.g. https://your-company.atlan.com"
    credential_fields: ClassVar[tuple[CredentialField, ...]] = (
        CredentialField(
            "token",
            "API token",
            "An Atlan API token tied to a persona that can read your connections' assets and tags "
            "and change custom metadata.",
        ),
    )
    push_help: ClassVar[str] = (
        "Write quality scores, anomaly and check counts and links to the catalog as custom metadata"
    )
    alert_help: ClassVar[str] = "announcements on tables with active anomalies"
    alert_name: ClassVar[str] = "announcements"
    parameter_fields: ClassVar[tuple[ParameterField, ...]] = (
        ParameterField(
            "domains",
            "Domains",
            "Only tables in these Atlan data domains (or their subdomains), or under a connection, "
            "database or schema in them, sync; the rest is reported out of scope. None ticked: every "
            "asset the token can see.",
        ),
        ParameterField(
            "connections",
            "Connections",
            "Only datastores found in these Atlan connections sync. None ticked: every connection the "
            "token can see.",
        ),
    )

    @sensitive_variables("credentials")
    def connection_test(self, *, url: str, credentials: Credentials) -> ConnectionOK:
        with client_for_check(url, credentials) as client, problems_explained(url):
            user = client.current_user()
            visible = client.search_count(
                bool_filter(
                    term("__state", "ACTIVE"),
                    terms("__typeName.keyword", ["Connection", "Database", "Schema", "Table"]),
                )
            )
        if visible <= 0:
            raise ConnectionProblem(
                "no_access",
                "The token is valid but cannot read any asset: give its persona a metadata policy "
                "for your connections.",
            )
        return ConnectionOK(user.username, f"{visible} asset{pluralize(visible)} visible")

    @sensitive_variables("credentials")
    def parameter_choices(self, name: str, *, url: str, credentials: Credentials) -> list[Choice]:
        """Data domains (by GUID, named under their parents) or connections (by qualified name)."""
        if name not in ("domains", "connections"):
            return []
        with client_for_check(url, credentials) as client, problems_explained(url):
            if name == "domains":
                paths = domain_paths(domains_list(client))
                return sorted(paths.items(), key=lambda c: c[1].casefold())
            found = client.search_assets(query_connections(), attributes=["connectorName"])
            choices = [(c.qualified_name, connection_label(c)) for c in found]
        return sorted(choices, key=lambda c: c[1].casefold())

    @sensitive_variables("credentials")
    def schema_choices(self, *, url: str, credentials: Credentials, connection: str) -> list[Choice]:
        """The schemas of one connection, by qualified name, named "DATABASE.SCHEMA"."""
        with client_for_check(url, credentials) as client, problems_explained(url):
            schemas = connection_schemas(client, connection)
        return sorted(((s.qualified_name, schema_label(s)) for s in schemas), key=lambda c: c[1].casefold())

    @sensitive_variables("credentials")
    def schema_find(self, *, url: str, credentials: Credentials, ref: str) -> SchemaTarget | None:
        with client_for_check(url, credentials) as client, problems_explained(url):
            return schema_target(client, ref)

    def asset_url(self, base_url: str, *, catalog_type: str, qualified_name: str, guid: str) -> str:
        return f"{base_url.rstrip('/')}/assets/{quote(guid, safe='')}/overview" if guid else ""

    def sync(self, ctx: RunContext) -> None:
        with client_build(ctx.integration.url, ctx.integration.credential("token"), ctx) as client:
            try:
                AtlanSync(ctx, client).run()
            finally:
                ctx.set_requests(client.counts.reads, client.counts.writes)

    def push_containers(self, ctx: RunContext, container_ids: list[int]) -> None:
        with client_build(ctx.integration.url, ctx.integration.credential("token"), ctx) as client:
            try:
                AtlanSync(ctx, client, push=True, pull=False).containers_push(container_ids)
            finally:
                ctx.set_requests(client.counts.reads, client.counts.writes)
