"""When and how long the HTTP client waits before trying a request again."""

from __future__ import annotations

from collections.abc import Callable

from integrations.http.support import NON_IDEMPOTENT_METHODS, OnWaitFn, SleepFn, logger


class Retrying:
    """Backoff with full jitter, Retry-After honoured, counted; mixed into HttpClient."""

    max_retries: int
    backoff_base: float
    backoff_max: float
    retry_after_max: float
    retry_unmarked_posts: bool
    sleep: SleepFn
    on_wait: OnWaitFn | None
    retries: int
    waited_seconds: float
    _random: Callable[[], float]

    def _scrub(self, text: str) -> str:
        raise NotImplementedError

    def _tally(self, *, retries: int = 0, waited: float = 0.0) -> None:
        raise NotImplementedError

    def _notify(self, seconds: float, reason: str) -> None:
        raise NotImplementedError

    def wait_before_retry(
        self, attempt: int, reason: str, where: str, *, retry_after: float | None = None
    ) -> None:
        """Back off as before a retry (counted, announced through `on_wait`), for callers that
        retry a whole operation themselves (e.g. look up, then create again)."""
        self._wait(attempt, retry_after, reason, where)

    def pause(self, seconds: float) -> None:
        """Sleep between polls of a catalog job; counted in `waited_seconds`, not as a retry."""
        seconds = max(0.0, seconds)
        self._tally(waited=seconds)
        self.sleep(seconds)

    def _retryable(self, method: str, read: bool | None, idempotent: bool | None) -> bool:
        if idempotent is not None:
            return idempotent
        if method in NON_IDEMPOTENT_METHODS:
            return bool(read) or self.retry_unmarked_posts
        return True

    def _backoff(self, attempt: int) -> float:
        # Full jitter: uniform in [0, base * 2**attempt], capped.
        return min(self.backoff_max, self.backoff_base * (2.0**attempt)) * self._random()

    def _wait(self, attempt: int, retry_after: float | None, reason: str, where: str) -> None:
        if retry_after is not None:
            delay = min(retry_after, self.retry_after_max)
        else:
            delay = self._backoff(attempt)
        reason = self._scrub(reason)
        logger.info(
            "%s for %s; waiting %.1f s before retry %d of %d",
            reason,
            self._scrub(where),
            delay,
            attempt + 1,
            self.max_retries,
        )
        self._tally(retries=1, waited=delay)
        self._notify(delay, reason)
        self.sleep(delay)
