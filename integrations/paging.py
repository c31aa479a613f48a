"""Paging a catalog's listings with the next page fetched in the background meanwhile.

A sync then costs about the longer of the catalog's time and ours rather than their sum.
"""

from __future__ import annotations

import concurrent.futures
import queue
from collections.abc import Generator, Iterator
from typing import TypeVar

from integrations.http import HttpClient

T = TypeVar("T")


def pages_prefetched(pages: Generator[T, None, None], http: HttpClient) -> Iterator[T]:
    """Yield the pages, always fetching the next one in a background thread meanwhile.

    Retries' on_wait notices are held back and given on the caller's thread (a sync logs
    them to its database, which belongs to the caller's thread).
    """
    notices: queue.SimpleQueue[tuple[float, str]] = queue.SimpleQueue()
    caller_on_wait = http.on_wait

    def fetch() -> T | None:
        return next(pages, None)

    def relay() -> None:
        while not notices.empty() and caller_on_wait is not None:
            caller_on_wait(*notices.get())

    http.on_wait = lambda seconds, reason: notices.put((seconds, reason))
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="catalog-pages")
    try:
        pending = pool.submit(fetch)
        while True:
            page = pending.result()
            relay()
            if page is None:
                return
            pending = pool.submit(fetch)
            yield page
    finally:
        # The caller may stop early (a cancel): let the page in flight finish, then close.
        pool.shutdown(wait=True, cancel_futures=True)
        http.on_wait = caller_on_wait
        relay()
        pages.close()
