"""Paging a catalog's listings with the next page fetched in the background meanwhile.

A sync then costs about the longer of the catalog's time and ours rather than their sum.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Generator, Iterator
from typing import TypeVar

from integrations.http import HttpClient

T = TypeVar("T")


def pages_prefetched(pages: Generator[T, None, None], http: HttpClient) -> Iterator[T]:
    """Yield the pages, always fetching the next one in a background thread meanwhile.

    Retries' on_wait notices from the background thread are held back by the client and given
    on its own thread (a sync logs them to its database, which belongs to that thread).
    """

    def fetch() -> T | None:
        return next(pages, None)

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="catalog-pages")
    try:
        pending = pool.submit(fetch)
        while True:
            page = pending.result()
            http.notices_relay()
            if page is None:
                return
            pending = pool.submit(fetch)
            yield page
    finally:
        # The caller may stop early (a cancel): let the page in flight finish, then close.
        pool.shutdown(wait=True, cancel_futures=True)
        http.notices_relay()
        pages.close()
