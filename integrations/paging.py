"""Reading ahead: the next items (pages of a listing, a batch's columns) fetched on a background
thread while the caller works on this one.

A sync then costs about the longer of the catalog's time and ours rather than their sum.
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")

_END = object()
# While a sync reads beside its work: a thread whose answer has arrived takes the interpreter
# within half a millisecond, not CPython's five, so the next request is not held up by the
# thread working on the last answer (each few kilobytes read from a socket wait for a turn).
SWITCH_INTERVAL_S = 0.0005


@contextmanager
def turns_taken_finely() -> Generator[None, None, None]:
    """Let this process's threads take the interpreter in short turns, for the duration."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(min(previous, SWITCH_INTERVAL_S))
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def read_ahead(
    items: Iterator[T], relay: Callable[[], None], *, name: str = "catalog-pages", depth: int = 1
) -> Generator[T, None, None]:
    """Yield the items, fetching up to `depth` of the next ones on a background thread meanwhile.

    With `depth` 1 the next item is fetched while the caller holds this one; with 2 the fetch
    goes on without waiting for the caller to take the next (a listing's next request goes out
    as soon as a page is in, whoever is busy): one more item in memory.

    `items` runs on that thread, so it may only talk to the catalog; `relay` is called on the
    caller's thread after each item to give it the retry notices the client held back there
    (a sync logs them to its database, which belongs to the caller's thread).
    """
    if depth < 1:
        raise ValueError("depth must be at least 1.")
    slots = threading.Semaphore(depth)
    ready: queue.SimpleQueue[Any] = queue.SimpleQueue()
    stop = threading.Event()

    def produce() -> None:
        try:
            while True:
                slots.acquire()
                if stop.is_set():
                    return
                item = next(items, _END)
                ended = item is _END
                ready.put(item)
                del item  # not held here while the next one is fetched: the caller lets it go
                if ended:
                    return
        except BaseException as exc:  # handed to the caller, raised on its thread
            ready.put(_Failed(exc))

    thread = threading.Thread(target=produce, name=f"{name}_0", daemon=True)
    thread.start()
    try:
        while True:
            got = [ready.get()]
            relay()
            if isinstance(got[0], _Failed):
                raise got[0].exc
            if got[0] is _END:
                return
            slots.release()
            # Popped, not kept in this frame: once the caller lets it go, it is gone.
            yield got.pop()
    finally:
        # The caller may stop early (a failure, a cancel): the item in flight finishes, then close.
        stop.set()
        slots.release()
        thread.join()
        relay()
        close = getattr(items, "close", None)
        if close is not None:
            close()


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc
