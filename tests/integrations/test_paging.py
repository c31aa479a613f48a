"""Reading ahead on a background thread: how far ahead, what a stop leaves, where errors go."""

from __future__ import annotations

import gc
import sys
import threading
import time
import weakref

import pytest

from integrations.paging import read_ahead, turns_taken_finely


class Source:
    """Items 0..n-1, recording how many were fetched when each item was handed over."""

    def __init__(self, n: int, fail_at: int | None = None) -> None:
        self.n, self.fail_at = n, fail_at
        self.fetched = 0
        self.closed = False
        self.threads: set[str] = set()
        self.more = threading.Event()

    def __iter__(self):
        try:
            for i in range(self.n):
                self.threads.add(threading.current_thread().name)
                if i == self.fail_at:
                    raise ValueError(f"item {i} failed")
                self.fetched += 1
                self.more.set()
                yield i
        finally:
            self.closed = True


def fetched_while_holding(source: Source, depth: int) -> list[tuple[int, int]]:
    """(item held, items fetched by then), once the fetching thread has caught up."""
    seen = []
    for item in read_ahead(iter(source), lambda: None, depth=depth):
        ahead = min(item + 1 + depth, source.n)
        while source.fetched < ahead:  # the fetching thread is working meanwhile
            source.more.wait(1)
            source.more.clear()
        time.sleep(0.005)  # room for a thread that would fetch further than it should
        seen.append((item, source.fetched))
    return seen


@pytest.mark.parametrize("depth", [1, 2])
def test_read_ahead_fetches_depth_items_beyond_the_one_held_and_no_more(depth):
    source = Source(6)
    seen = fetched_while_holding(source, depth)
    assert seen == [(i, min(i + 1 + depth, 6)) for i in range(6)]
    assert source.threads == {"catalog-pages_0"} and source.closed


def test_stopping_early_waits_for_the_item_in_flight_then_closes_the_source():
    source = Source(100)
    reads = read_ahead(iter(source), lambda: None, depth=2)
    assert next(reads) == 0
    reads.close()
    assert source.closed and source.fetched <= 3


def test_a_failure_on_the_fetching_thread_is_raised_to_the_caller_after_the_items_before_it():
    relayed = []
    got = []
    with pytest.raises(ValueError, match="item 3 failed"):
        for item in read_ahead(iter(Source(6, fail_at=3)), lambda: relayed.append(1), depth=2):
            got.append(item)
    assert got == [0, 1, 2] and relayed


def test_threads_take_short_turns_during_a_sync_and_the_setting_comes_back():
    before = sys.getswitchinterval()
    with turns_taken_finely():
        assert sys.getswitchinterval() <= 0.0005
    assert sys.getswitchinterval() == before


def test_an_item_the_caller_let_go_is_gone_while_the_next_is_still_being_fetched():
    """A batch of columns is freed once the sync is done with it, not when the next read ends."""

    class Page(list):  # a plain list cannot be weakly referenced
        pass

    fetching, release = threading.Event(), threading.Event()
    pages: list[weakref.ref] = []

    def slow_pages():
        for n in range(3):
            if n == 1:
                fetching.set()
                release.wait(5)
            held = [Page([n])]
            pages.append(weakref.ref(held[0]))
            yield held.pop()  # not kept in this frame either

    reader = read_ahead(slow_pages(), lambda: None)
    try:
        first = next(reader)
        assert first == [0] and fetching.wait(5)
        del first
        gc.collect()
        assert pages[0]() is None  # neither side of the read-ahead still holds it
        release.set()
        assert list(reader) == [[1], [2]]
    finally:
        release.set()  # a failed check leaves no thread waiting
        reader.close()
