"""Alation listings, page by page, following `X-Next-Page` (reference §2).

The header's value is the next page's path and query (`/integration/v2/table/?limit=1000&skip=1000`),
to send as is: the page size is the server's business, so a short page is not the end while the
header is there, and a full page without it is. Items are yielded as each page arrives, so memory
stays flat however large the catalog. A cap on pages and a check for a link seen before stop a
server that never stops. POST "view" listings (domain membership) re-send the same body.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Generator, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from integrations.alation.shapes import malformed
from integrations.http import CatalogMalformedResponseError, HttpClient, JsonResponse
from integrations.paging import read_ahead

logger = logging.getLogger("integrations.alation.pager")

NEXT_PAGE_HEADER = "X-Next-Page"
DEFAULT_PAGE_SIZE = 1000  # the SDK's, and Alation's default maximum per call
DEFAULT_MAX_PAGES = 10_000


def _page_decode(answer: JsonResponse, what: str, number: int) -> list[Any]:
    page = answer.decode() if answer.decode is not None else answer.body
    if page is None:
        return []
    if not isinstance(page, list):
        raise malformed(what, f"page {number} is {type(page).__name__}, expected a list")
    return page


class Pager:
    def __init__(
        self,
        http: HttpClient,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> None:
        if page_size < 1 or max_pages < 1:
            raise ValueError("page_size and max_pages must be at least 1.")
        self.http = http
        self.page_size = page_size
        self.max_pages = max_pages

    def items(
        self,
        path: str,
        what: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        method: str = "GET",
        prefetch: bool = False,
    ) -> Iterator[Any]:
        """Every item of every page. GET listings get `limit=<page_size>` unless given one.
        `prefetch`: fetch the next pages in the background meanwhile, two ahead, so the next
        request goes out as soon as a page is in (long listings whose items the caller
        processes without calling Alation in between)."""
        pages = self.pages(path, what, params=params, body=body, method=method)
        for page in read_ahead(pages, self.http.notices_relay, depth=2) if prefetch else pages:
            yield from page()

    def pages(
        self,
        path: str,
        what: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        method: str = "GET",
    ) -> Generator[Callable[[], list[Any]], None, None]:
        """Each page as it arrives, to decode: the next request goes out first (its link is in
        the headers), so with `read_ahead` Alation works on it while this page is decoded."""
        query: dict[str, Any] | None = dict(params or {})
        if method == "GET" and query is not None:
            query.setdefault("limit", self.page_size)
        next_path = path
        seen: set[str] = set()
        for number in range(1, self.max_pages + 1):
            answer = self.http.send(
                method, next_path, params=query or None, json=body, read=True, idempotent=True, decode=False
            )
            yield functools.partial(_page_decode, answer, what, number)
            link = answer.headers.get(NEXT_PAGE_HEADER)
            if not link or not link.strip():
                return
            next_path = self._next_path(link.strip(), what)
            if next_path in seen:
                raise malformed(what, f"page {number} links back to a page already read ({next_path})")
            seen.add(next_path)
            query = None  # the link carries the whole query
        raise CatalogMalformedResponseError(
            f"Alation's answer to {what} did not end after {self.max_pages:,} pages; stopped there."
        )

    def _next_path(self, link: str, what: str) -> str:
        """The link as a path on our host. A link to another host is refused: it would get the token."""
        parts = urlsplit(link)
        if parts.scheme or parts.netloc:
            ours = urlsplit(self.http.base_url)
            if (parts.scheme, parts.netloc.lower()) != (ours.scheme, ours.netloc.lower()):
                raise malformed(what, f"the next-page link points at another host ({parts.netloc})")
        path = parts.path if parts.path.startswith("/") else f"/{parts.path}"
        return f"{path}?{parts.query}" if parts.query else path
