"""The Atlan client: the only place in Plumbline that talks to Atlan.

Every call goes through `integrations.http.HttpClient` (token, timeouts, retries, typed errors);
this module knows Atlan's endpoints, and `parsing` turns the answers into typed records.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from integrations.atlan.parsing import (
    malformed,
    optional_int,
    parse_asset,
    parse_custom_metadata_def,
    parse_custom_metadata_typedefs,
    parse_mutation,
    parse_tag_typedefs,
    parse_user,
    require_dict,
)
from integrations.atlan.queries import (
    after_clause,
    attribute_body,
    def_body,
    existing_attribute_body,
    merge_entity,
    search_body,
    typedefs_request,
    with_filter,
)
from integrations.atlan.records import (
    ANNOUNCEMENT_TYPES,
    DEFAULT_CM_ASSET_TYPES,
    AtlanAsset,
    AtlanCustomMetadataDef,
    AtlanMutationResult,
    AtlanTagDef,
    AtlanUser,
    AttributeSpec,
    CustomMetadataUpdate,
)
from integrations.http import (
    CatalogMalformedResponseError,
    CatalogNotFoundError,
    HttpClient,
    OnWaitFn,
    RequestCounts,
    SleepFn,
    Timeout,
)
from integrations.paging import read_ahead

logger = logging.getLogger("integrations.atlan.client")

CURRENT_USER_PATH = "api/service/users/current"
TYPEDEFS_PATH = "api/meta/types/typedefs"
INDEX_SEARCH_PATH = "api/meta/search/indexsearch"
ENTITY_BULK_PATH = "api/meta/entity/bulk"
ENTITY_BY_QN_PATH = "api/meta/entity/uniqueAttribute/type/{type_name}"

# pyatlan switches to timestamp paging above 100 000 - 300 hits: deep `from` offsets get
# expensive (and eventually refused) in Elasticsearch.
BULK_PAGING_THRESHOLD = 99_700
DEFAULT_PAGE_SIZE = 100
DEFAULT_MERGE_BATCH_SIZE = 20

# Attributes every search asks for, whatever the caller wants on top: matching and the
# announcement rules need them on every asset.
BASE_SEARCH_ATTRIBUTES = (
    "qualifiedName",
    "name",
    "connectionQualifiedName",
    "announcementType",
    "announcementTitle",
    "announcementMessage",
    "announcementUpdatedBy",
)

# --- The client --------------------------------------------------------------------------------


def normalise_base_url(url: str) -> str:
    """`https://tenant.atlan.com/anything` -> `https://tenant.atlan.com` (Atlan wants no path)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            "The Atlan URL must be an http(s) URL with a host, e.g. https://yourcompany.atlan.com."
        )
    return f"{parts.scheme}://{parts.netloc}"


class AtlanClient:
    """Typed calls to one Atlan tenant (or the Plumbline sandbox) with one API token."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: Timeout = (5.0, 60.0),
        max_retries: int = 5,
        sleep: SleepFn = time.sleep,
        on_wait: OnWaitFn | None = None,
        bulk_paging_threshold: int = BULK_PAGING_THRESHOLD,
        **http_options: Any,
    ) -> None:
        self.base_url = normalise_base_url(base_url)
        self.bulk_paging_threshold = bulk_paging_threshold
        self.http = HttpClient(
            self.base_url,
            token,
            catalog="Atlan",
            timeout=timeout,
            max_retries=max_retries,
            sleep=sleep,
            on_wait=on_wait,
            **http_options,
        )

    def __repr__(self) -> str:
        return f"AtlanClient(base_url={self.base_url!r})"

    __str__ = __repr__

    @property
    def counts(self) -> RequestCounts:
        return self.http.counts

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> AtlanClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Who am I -----------------------------------------------------------------------------------

    def current_user(self) -> AtlanUser:
        """The user behind the token; the cheapest way to check URL and token together."""
        try:
            body = self.http.get(CURRENT_USER_PATH)
        except CatalogMalformedResponseError as exc:
            raise CatalogMalformedResponseError(
                f"The server answered, but it does not look like an Atlan API ({exc.message}).",
                status=exc.status,
            ) from None
        except CatalogNotFoundError:
            # Every Atlan tenant has this endpoint, so a 404 means the URL is something else.
            raise CatalogMalformedResponseError(
                "The server does not look like an Atlan API: it has no current-user endpoint (HTTP 404). "
                "Check the URL (it should be your tenant, e.g. https://yourcompany.atlan.com).",
                status=404,
            ) from None
        return parse_user(body)

    # Typedefs -----------------------------------------------------------------------------------

    def tag_typedefs(self) -> dict[str, AtlanTagDef]:
        """Atlan tags by hash."""
        return parse_tag_typedefs(self.http.get(TYPEDEFS_PATH, params={"type": "CLASSIFICATION"}))

    def custom_metadata_typedefs(self) -> list[AtlanCustomMetadataDef]:
        return parse_custom_metadata_typedefs(
            self.http.get(TYPEDEFS_PATH, params={"type": "BUSINESS_METADATA"})
        )

    def custom_metadata_create(
        self,
        display_name: str,
        attributes: Sequence[AttributeSpec],
        *,
        description: str = "",
        asset_types: Sequence[str] = DEFAULT_CM_ASSET_TYPES,
    ) -> AtlanCustomMetadataDef:
        """Create a custom-metadata set; Atlan assigns the hashes and returns the definition."""
        definition = {
            "category": "BUSINESS_METADATA",
            # On create the name is the display name; the server replaces it with a hash.
            "name": display_name,
            "displayName": display_name,
            "description": description,
            "attributeDefs": [attribute_body(spec, asset_types) for spec in attributes],
        }
        body = self.http.post(TYPEDEFS_PATH, json=typedefs_request(definition))
        return self._returned_def(body, "the custom-metadata create call", display_name=display_name)

    def custom_metadata_extend(
        self,
        existing: AtlanCustomMetadataDef,
        new_attributes: Sequence[AttributeSpec],
        *,
        asset_types: Sequence[str] = DEFAULT_CM_ASSET_TYPES,
    ) -> AtlanCustomMetadataDef:
        """Add attributes to a set. Attributes it already has (by display name) are skipped."""
        missing = [spec for spec in new_attributes if existing.attribute(spec.display_name) is None]
        if not missing:
            return existing
        definition = copy.deepcopy(existing.raw) if existing.raw else def_body(existing)
        # Existing attributes go back unchanged, hashes and all, or Atlan would drop them.
        definition["attributeDefs"] = [
            *(copy.deepcopy(a.raw) if a.raw else existing_attribute_body(a) for a in existing.attributes),
            *(attribute_body(spec, asset_types) for spec in missing),
        ]
        body = self.http.put(TYPEDEFS_PATH, json=typedefs_request(definition))
        return self._returned_def(body, "the custom-metadata update call", set_hash=existing.hash)

    def _returned_def(
        self, body: Any, what: str, *, display_name: str | None = None, set_hash: str | None = None
    ) -> AtlanCustomMetadataDef:
        body = require_dict(body, what)
        defs = body.get("businessMetadataDefs")
        if not isinstance(defs, list) or not defs:
            raise malformed(what, "it has no 'businessMetadataDefs' list")
        parsed = [parse_custom_metadata_def(item, what) for item in defs]
        for item in parsed:
            if item.hash == set_hash or (display_name is not None and item.display_name == display_name):
                return item
        return parsed[0]

    # Search -------------------------------------------------------------------------------------

    def search_assets(
        self,
        query: dict[str, Any],
        *,
        attributes: Sequence[str] = (),
        relation_attributes: Sequence[str] = (),
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Iterator[AtlanAsset]:
        """Every asset matching the query, fetched page by page as the caller iterates.

        The next page is fetched in the background while the caller works on this one, so a
        sync costs about the longer of Atlan's time and ours rather than their sum.
        """
        if page_size < 1:
            raise ValueError("page_size must be at least 1.")
        wanted = list(dict.fromkeys([*BASE_SEARCH_ATTRIBUTES, *attributes]))
        pages = self._raw_pages(query, wanted, relation_attributes, page_size)
        shared: dict[str, str] = {}
        for entities in read_ahead(pages, self.http.notices_relay, depth=2):
            for entity in entities:
                yield parse_asset(entity, shared=shared)

    def _raw_pages(
        self,
        query: dict[str, Any],
        attributes: list[str],
        relation_attributes: Sequence[str],
        page_size: int,
    ) -> Generator[list[Any], None, None]:
        offset = 0
        while True:
            page = self._search_page(
                query, attributes, relation_attributes, offset, page_size, by_timestamp=False
            )
            if offset == 0 and page.approximate_count > self.bulk_paging_threshold:
                logger.info(
                    "Atlan reports %d matching assets; switching to timestamp paging",
                    page.approximate_count,
                )
                yield from self._raw_pages_by_timestamp(query, attributes, relation_attributes, page_size)
                return
            if page.entities:
                yield page.entities
            if len(page.entities) < page_size:
                return  # a short page is the last one
            offset += page_size

    def _raw_pages_by_timestamp(
        self,
        query: dict[str, Any],
        attributes: list[str],
        relation_attributes: Sequence[str],
        page_size: int,
    ) -> Generator[list[Any], None, None]:
        # Reference §2 "bulk paging": sort by creation time then guid and always ask from=0,
        # filtering for what comes after the last asset seen. Keying on (createTime, guid)
        # rather than createTime alone means bulk-loaded assets that share one createTime
        # never push the offset past the index's result window.
        after: tuple[int, str] | None = None
        while True:
            page_query = query if after is None else with_filter(query, after_clause(*after))
            page = self._search_page(
                page_query, attributes, relation_attributes, 0, page_size, by_timestamp=True
            )
            if not page.entities:
                return
            yield page.entities
            last = require_dict(page.entities[-1], "the search", "an entity")
            created, guid = optional_int(last.get("createTime")), last.get("guid")
            if created is None or not isinstance(guid, str):
                raise malformed("the search", f"asset {guid} has no createTime to page on")
            after = (created, guid)
            if len(page.entities) < page_size:
                return

    def search_count(self, query: dict[str, Any]) -> int:
        return self._search_page(query, ["qualifiedName"], (), 0, 1, by_timestamp=False).approximate_count

    def _search_page(
        self,
        query: dict[str, Any],
        attributes: Sequence[str],
        relation_attributes: Sequence[str],
        offset: int,
        size: int,
        *,
        by_timestamp: bool,
    ) -> _SearchPage:
        body = search_body(query, attributes, relation_attributes, offset, size, by_timestamp=by_timestamp)
        answer = require_dict(self.http.post(INDEX_SEARCH_PATH, json=body, read=True), "the search")
        entities = answer.get("entities")
        if entities is None:
            entities = []
        if not isinstance(entities, list):
            raise malformed("the search", "'entities' is not a list")
        count = answer.get("approximateCount", len(entities) if offset == 0 else 0)
        if isinstance(count, bool) or not isinstance(count, int):
            raise malformed("the search", "'approximateCount' is not a number")
        return _SearchPage(entities=entities, approximate_count=count)

    # Custom-metadata values ------------------------------------------------------------------------

    def custom_metadata_merge(
        self, entities: Sequence[CustomMetadataUpdate], *, batch_size: int = DEFAULT_MERGE_BATCH_SIZE
    ) -> AtlanMutationResult:
        """Merge values onto assets: attributes not mentioned keep their values (bulk upsert)."""
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1.")
        result = AtlanMutationResult()
        for start in range(0, len(entities), batch_size):
            batch = entities[start : start + batch_size]
            body = self.http.post(
                ENTITY_BULK_PATH,
                params={"replaceBusinessAttributes": "true", "overwriteBusinessAttributes": "false"},
                json={"entities": [merge_entity(update) for update in batch]},
            )
            result.extend(parse_mutation(body, "the custom-metadata update"))
        return result

    # Announcements -------------------------------------------------------------------------------

    def announcement_set(
        self,
        type_name: str,
        qualified_name: str,
        name: str,
        *,
        announcement_type: str,
        title: str,
        message: str | None = None,
        updated_by: str | None = None,
    ) -> AtlanMutationResult:
        """Set an announcement, naming who set it and when: Atlan does not document filling in
        announcementUpdatedBy/At itself, and Plumbline recognises its own announcements by them."""
        if announcement_type not in ANNOUNCEMENT_TYPES:
            raise ValueError(f"announcement_type must be one of {ANNOUNCEMENT_TYPES}.")
        stamp = {"announcementUpdatedBy": updated_by, "announcementUpdatedAt": int(time.time() * 1000)}
        return self._announcement(
            type_name, qualified_name, name, announcement_type, title, message, stamp if updated_by else {}
        )

    def announcement_clear(self, type_name: str, qualified_name: str, name: str) -> AtlanMutationResult:
        stamp = {"announcementUpdatedBy": None, "announcementUpdatedAt": None}
        return self._announcement(type_name, qualified_name, name, None, None, None, stamp)

    def _announcement(
        self,
        type_name: str,
        qualified_name: str,
        name: str,
        announcement_type: str | None,
        title: str | None,
        message: str | None,
        stamp: dict[str, Any],
    ) -> AtlanMutationResult:
        body = {
            "entity": {
                "typeName": type_name,
                "attributes": {
                    "qualifiedName": qualified_name,
                    "name": name,
                    "announcementType": announcement_type,
                    "announcementTitle": title,
                    "announcementMessage": message,
                    **stamp,
                },
            }
        }
        answer = self.http.put(
            ENTITY_BY_QN_PATH.format(type_name=quote(type_name, safe="")),
            params={"attr:qualifiedName": qualified_name},
            json=body,
        )
        return parse_mutation(answer, "the announcement update")


@dataclass(frozen=True)
class _SearchPage:
    entities: list[Any]
    approximate_count: int
