"""Riding out a Redis outage: bounded exponential backoff and one log line per outage.

A worker must neither crash nor spin when Redis restarts, is paused, is not up
yet or is out of memory: every connection or OOM error of an iteration (or of the
start-up reads) is caught here, the worker waits (0.1 s doubling up to ``cap``)
and tries again. The first failure of an outage logs ``redis unavailable,
retrying``; the first success after it logs ``redis reachable again`` with the
outage's length. What was in flight is settled by crash recovery once its lease
expires, as after a worker crash.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis

T = TypeVar("T")

#: Errors that mean "Redis cannot take this right now": unreachable (LOADING
#: included) or at ``maxmemory`` with noeviction (an ``OOM`` reply refuses a
#: script whose first write may grow memory, e.g. a lock acquisition). The worker
#: waits them out instead of exiting with tasks left in active.
TRANSIENT: tuple[type[Exception], ...] = (
    redis.ConnectionError,
    redis.TimeoutError,
    redis.exceptions.OutOfMemoryError,
)


class Outage:
    """Backoff state of one worker across Redis outages.

    Args:
        log: the worker's structlog logger.
        stop: set when the worker must stop; it cuts a backoff wait short.
        first: the first wait, in seconds.
        cap: the longest wait, in seconds.
    """

    def __init__(
        self, log: Any, stop: threading.Event, *, first: float = 0.1, cap: float = 5.0
    ) -> None:
        self._log = log
        self._stop = stop
        self._first = first
        self._cap = cap
        self._delay = first
        self._since: float | None = None
        #: Outages seen so far (for tests and stats).
        self.count = 0

    def failed(self, exc: Exception) -> None:
        """Log the start of an outage (once), then wait the current backoff."""
        if self._since is None:
            self._since = time.monotonic()
            self.count += 1
            self._log.warning(
                "redis unavailable, retrying",
                error=f"{type(exc).__name__}: {exc}",
                backoff_max_s=self._cap,
            )
        self._stop.wait(self._delay)
        self._delay = min(self._delay * 2, self._cap)

    def recovered(self) -> None:
        """Note a successful round trip; logs the end of an outage, if one ran."""
        if self._since is not None:
            outage_s = round(time.monotonic() - self._since, 3)
            self._log.warning("redis reachable again", outage_s=outage_s)
            self._since = None
            self._delay = self._first

    def call(self, func: Callable[[], T]) -> T | None:
        """Call ``func`` until it gets through (None if the worker stops first)."""
        while not self._stop.is_set():
            try:
                result = func()
            except TRANSIENT as exc:
                self.failed(exc)
                continue
            self.recovered()
            return result
        return None

    def run(self, body: Callable[[], None]) -> None:
        """Run ``body`` (the worker loop), starting it again after each outage."""
        while not self._stop.is_set():
            try:
                body()
            except TRANSIENT as exc:
                self.failed(exc)
            else:
                return
