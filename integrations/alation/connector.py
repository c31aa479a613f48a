"""The Alation connector: how Alation describes itself to the UI, the connection check, the
choices of its scope (domains, data sources), and the entry points of a sync and an event push."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar
from urllib.parse import urlsplit

from django.template.defaultfilters import pluralize
from django.utils import timezone

from integrations.alation.client import AlationClient
from integrations.alation.errors import (
    AlationNotAnAlationApiError,
    AlationRefreshTokenExpiredError,
    AlationRefreshTokenInvalidError,
    AlationWrongUserIdError,
)
from integrations.alation.records import DataSource
from integrations.alation.sync import AlationSync
from integrations.http import (
    CatalogAuthenticationError,
    CatalogConnectionError,
    CatalogError,
    CatalogMalformedResponseError,
    CatalogNotFoundError,
    CatalogPermissionError,
    CatalogTLSError,
)
from integrations.models import Integration
from integrations.sync.connector import (
    Choice,
    ConnectionOK,
    ConnectionProblem,
    CredentialField,
    Credentials,
    ParameterField,
    SchemaTarget,
)
from integrations.sync.context import RunContext

# Extra AlationClient options; tests set e.g. {"sleep": lambda s: None} to keep retries fast.
CLIENT_OPTIONS: dict[str, Any] = {}
# Jobs usually end within a second: poll soon, then back off (the SDK waits 3 s every time).
JOB_POLL_INITIAL = 0.1


def client_build(
    url: str, credentials: Credentials, ctx: RunContext | None = None, **extra: Any
) -> AlationClient:
    options: dict[str, Any] = {"job_poll_initial": JOB_POLL_INITIAL, **extra, **CLIENT_OPTIONS}
    if ctx is not None:
        options.setdefault(
            "on_wait", lambda s, why: ctx.log(f"Alation asked us to wait {s:.0f} s ({why})", level="WARNING")
        )
    return AlationClient(url, credentials.get("user_id", ""), credentials.get("refresh_token", ""), **options)


@contextmanager
def problems_explained(url: str) -> Iterator[None]:
    """Client errors as ConnectionProblems naming the form field to fix. No message holds a token."""
    host = urlsplit(url).hostname or url
    try:
        yield
    except AlationWrongUserIdError as exc:
        raise ConnectionProblem("rejected", exc.message, field="user_id") from None
    except (AlationRefreshTokenExpiredError, AlationRefreshTokenInvalidError) as exc:
        raise ConnectionProblem("rejected", exc.message, field="refresh_token") from None
    except AlationNotAnAlationApiError as exc:
        raise ConnectionProblem("not_api", exc.message, field="url") from None
    except CatalogTLSError as exc:
        raise ConnectionProblem("tls", f"The TLS handshake with {host} failed: {exc}") from None
    except CatalogConnectionError:
        raise ConnectionProblem(
            "unreachable", f"Nothing answers at {host}: check the URL and that Plumbline can reach it."
        ) from None
    except CatalogAuthenticationError as exc:
        raise ConnectionProblem("rejected", f"Alation refused the credentials: {exc}") from None
    except (CatalogMalformedResponseError, CatalogNotFoundError):
        raise ConnectionProblem(
            "not_api",
            f"{url} answered, but it does not look like an Alation API: use the address you open Alation "
            "at, e.g. https://yourcompany.alationcloud.com.",
            field="url",
        ) from None
    except CatalogPermissionError as exc:
        raise ConnectionProblem("no_access", f"Alation refused to list data sources: {exc}") from None
    except CatalogError as exc:
        raise ConnectionProblem("error", f"Alation answered with an error: {exc}") from None


def client_for_check(url: str, credentials: Credentials) -> AlationClient:
    try:
        return client_build(url, credentials, max_retries=1, timeout=(5.0, 20.0))
    except ValueError as exc:
        field = "user_id" if "user id" in str(exc) else "refresh_token" if "token" in str(exc) else "url"
        raise ConnectionProblem("rejected" if field != "url" else "not_api", str(exc), field=field) from None


def source_label(source: DataSource) -> str:
    where = ", ".join(p for p in (source.dbtype, source.host) if p)
    return f"{source.title} ({where})" if where else source.title


class AlationConnector:
    label: ClassVar[str] = "Alation"
    available: ClassVar[bool] = True
    url_placeholder: ClassVar[str] = "https://your-company.alationcloud.com"
    url_help: ClassVar[str] = "The address you open Alation at, e.g. https://your-company.alationcloud.com"
    credential_fields: ClassVar[tuple[CredentialField, ...]] = (
        CredentialField(
            "user_id",
            "User ID",
            "The Alation user the integration acts as: the number at the end of that user's profile "
            "URL (…/user/<id>/). Flags are set as this user, and only this user's flags are changed.",
            secret=False,
            placeholder="e.g. 7",
        ),
        CredentialField(
            "refresh_token",
            "Refresh token",
            "A refresh token that user made in Alation (profile › Authentication › Create Refresh Token). "
            "Plumbline mints short-lived access tokens from it and keeps those in memory only.",
        ),
    )
    push_help: ClassVar[str] = (
        "Write quality scores, anomaly and check counts and links to custom fields, and one Data Health "
        "row per check"
    )
    alert_help: ClassVar[str] = "WARNING trust flags on tables with active anomalies"
    alert_name: ClassVar[str] = "trust flags"
    parameter_fields: ClassVar[tuple[ParameterField, ...]] = (
        ParameterField(
            "domains",
            "Domains",
            "Only assets in these Alation domains (and their subdomains) sync. None ticked: every asset.",
        ),
        ParameterField(
            "connections",
            "Data sources",
            "Only datastores found in these Alation data sources sync. None ticked: every data source "
            "the user can see.",
        ),
    )

    def asset_url(self, base_url: str, *, catalog_type: str, qualified_name: str, guid: str) -> str:
        """Alation's page of a schema, table or column: /<otype>/<id>/."""
        if catalog_type not in ("schema", "table", "attribute") or not guid.isdigit():
            return ""
        return f"{base_url.rstrip('/')}/{catalog_type}/{guid}/"

    def connection_test(self, *, url: str, credentials: Credentials) -> ConnectionOK:
        """Validate the refresh token, mint an access token, read the visible data sources."""
        client = client_for_check(url, credentials)
        with client, problems_explained(url):
            info = client.connection_check()
        if not info.data_source_count:
            raise ConnectionProblem(
                "no_access",
                f"The refresh token works, but Alation user {info.user_id} sees no data source: give that "
                "user access to the data sources to sync (or use another user).",
            )
        expires = info.refresh_token_expires_at
        sources = info.data_source_count
        detail = f"{sources} data source{pluralize(sources)} visible"
        if expires is not None:
            detail += f" · the refresh token expires on {expires:%Y-%m-%d}"
        return ConnectionOK(f"Alation user {info.user_id}", detail, expires_at=expires)

    def parameter_choices(self, name: str, *, url: str, credentials: Credentials) -> list[Choice]:
        if name == "connections":
            client = client_for_check(url, credentials)
            with client, problems_explained(url):
                sources = [(str(s.id), source_label(s)) for s in client.data_sources()]
            return sorted(sources, key=lambda c: c[1].casefold())
        if name != "domains":
            return []
        client = client_for_check(url, credentials)
        with client, problems_explained(url):
            domains = list(client.domains())
        titles = {d.id: d.title for d in domains}

        def path(domain_id: int) -> str:
            parent = next((d.parent_id for d in domains if d.id == domain_id), None)
            title = titles.get(domain_id, str(domain_id))
            return f"{path(parent)} › {title}" if parent in titles and parent != domain_id else title

        return sorted(((str(d.id), path(d.id)) for d in domains), key=lambda c: c[1].casefold())

    def schema_choices(self, *, url: str, credentials: Credentials, connection: str) -> list[Choice]:
        """The schemas of one data source, by id."""
        if not connection.isdigit():
            return []
        client = client_for_check(url, credentials)
        with client, problems_explained(url):
            schemas = [(str(s.id), s.name) for s in client.schemas(ds_id=int(connection))]
        return sorted(schemas, key=lambda c: c[1].casefold())

    def schema_find(self, *, url: str, credentials: Credentials, ref: str) -> SchemaTarget | None:
        if not ref.isdigit():
            return None
        client = client_for_check(url, credentials)
        with client, problems_explained(url):
            schema = next(iter(client.schemas(filters={"id": ref})), None)
            if schema is None:
                return None
            source = next((s for s in client.data_sources() if s.id == schema.ds_id), None)
        name = source.title if source else f"data source {schema.ds_id}"
        return SchemaTarget(str(schema.ds_id), name, str(schema.id), schema.name)

    def sync(self, ctx: RunContext) -> None:
        with client_build(ctx.integration.url, ctx.integration.credentials, ctx) as client:
            try:
                AlationSync(ctx, client).run()
            finally:
                ctx.set_requests(client.counts.reads, client.counts.writes)
                expiry_note(ctx, client)

    def push_containers(self, ctx: RunContext, container_ids: list[int]) -> None:
        with client_build(ctx.integration.url, ctx.integration.credentials, ctx) as client:
            try:
                AlationSync(ctx, client, push=True, pull=False).containers_push(container_ids)
            finally:
                ctx.set_requests(client.counts.reads, client.counts.writes)
                expiry_note(ctx, client)


def expiry_note(ctx: RunContext, client: AlationClient) -> None:
    """Keep the card's expiry current, and say so in the log when the refresh token ends soon."""
    info = client.auth.refresh_token_info
    if info is None or info.expires_at is None:
        return
    integration = ctx.integration
    if integration.credentials_expire_at != info.expires_at:
        integration.credentials_expire_at = info.expires_at
        Integration.objects.filter(pk=integration.pk).update(credentials_expire_at=info.expires_at)
    days = (info.expires_at - timezone.now()).days
    if days < Integration.CREDENTIALS_WARNING_DAYS:
        ctx.log(
            f"The Alation refresh token expires on {info.expires_at:%Y-%m-%d} (in {max(days, 0)} days): "
            "create a new one in Alation and paste it under Edit.",
            level="WARNING",
        )
