"""Tiger's side, run from the project's venv: ``python -m bench.systems.tiger_side``.

Tiger is driven only through its public API (``tiger_adapters.compat``), so this
keeps working while the runtime changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import redis

from bench.systems.common import System, side_main
from bench.systems.prefill import clone_tasktiger_format
from bench.tasks import noop
from tiger_adapters.compat import TaskTiger, Worker

#: Tiger's configuration in the drain scenarios: prefetching opted in (see README).
DRAIN_CONFIG = {"PREFETCH_TASKS": 10}
#: With the fork executor: children forked from the fork server (see README).
FORK_SERVER_CONFIG = {"FORK_SERVER": True}


class TigerSystem(System):
    """Tiger through ``TaskTiger(connection=...)`` and ``Worker``."""

    name = "tiger"
    module = "bench.systems.tiger_side"

    def __init__(self, url: str) -> None:
        super().__init__(url)
        connection = redis.Redis.from_url(url, decode_responses=True)
        self.tiger = TaskTiger(connection=connection, setup_structlog=True)

    def enqueue(self, ns: Sequence[int], queue: str) -> None:
        """Queue with ``tiger.delay``, one call per task."""
        delay = self.tiger.delay
        for n in ns:
            delay(noop, args=[n], queue=queue)

    def enqueue_bulk(self, ns: Sequence[int], queue: str, batch: int) -> None:
        """Queue with ``tiger.delay_many``, ``batch`` calls per round trip."""
        items = list(ns)
        for first in range(0, len(items), batch):
            chunk = items[first : first + batch]
            self.tiger.delay_many(
                [{"func": noop, "args": [n], "queue": queue} for n in chunk]
            )

    def enqueue_at(self, ns: Sequence[int], queue: str, when: float) -> None:
        """Schedule with ``tiger.delay(when=naive UTC datetime)``."""
        moment = dt.datetime.fromtimestamp(when, dt.UTC).replace(tzinfo=None)
        for n in ns:
            self.tiger.delay(noop, args=[n], queue=queue, when=moment)

    def prefill(self, n: int, queue: str) -> None:
        """Clone the queued task (TaskTiger's layout, which Tiger shares)."""
        clone_tasktiger_format(self.redis, self.tiger.config.REDIS_PREFIX, queue, n)

    def make_worker(self, spec: dict[str, Any]) -> Callable[[], None]:
        """A ``Worker`` with the given executor, in its default configuration.

        Except in the drain scenarios (``once`` workers draining a prefilled
        queue): there Tiger opts in to prefetching, ``PREFETCH_TASKS=10``; and
        with the fork executor, Tiger opts in to its fork server
        (``FORK_SERVER=True``).
        """
        once = bool(spec["once"])
        config: dict[str, Any] = dict(DRAIN_CONFIG) if once else {}
        if spec["executor"] == "fork":
            config.update(FORK_SERVER_CONFIG)
        tiger = self.tiger
        if config:
            tiger = TaskTiger(
                connection=self.tiger.connection, config=config, setup_structlog=True
            )
        worker = Worker(tiger, queues=spec["queues"], executor=spec["executor"])
        return lambda: worker.run(once=once)


if __name__ == "__main__":
    side_main(TigerSystem)
