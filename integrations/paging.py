"""Reading ahead: the next item (a page of a listing, a batch's columns) fetched on a background
thread while the caller works on this one.

A sync then costs about the longer of the catalog's time and ours rather than their sum.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable, Generator, Iterator
from typing import TypeVar

T = TypeVar("T")


def read_ahead(
    items: Iterator[T], relay: Callable[[], None], *, name: str = "catalog-pages"
) -> Generator[T, None, None]:
    """Yield the items, always fetching the next one on a background thread meanwhile.

    `items` runs on that thread, so it may only talk to the catalog; `relay` is called on the
    caller's thread after each item to give it the retry notices the client held back there
    (a sync logs them to its database, which belongs to the caller's thread).
    """

    def fetch() -> T | None:
        return next(items, None)

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
    try:
        pending = pool.submit(fetch)
        while True:
            item = pending.result()
            relay()
            if item is None:
                return
            pending = pool.submit(fetch)
            yield item
    finally:
        # The caller may stop early (a failure, a cancel): the item in flight finishes, then close.
        pool.shutdown(wait=True, cancel_futures=True)
        relay()
        close = getattr(items, "close", None)
        if close is not None:
            close()
