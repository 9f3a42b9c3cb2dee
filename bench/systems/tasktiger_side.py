"""PyPI TaskTiger's side, run by ``.venv-tasktiger/bin/python -m ...tasktiger_side``.

TaskTiger pins redis-py < 5, so it lives in its own venv; this module imports only
TaskTiger, redis-py and the benchmark's stdlib-only modules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import redis
from tasktiger import TaskTiger, Worker
from tasktiger.executor import ForkExecutor, SyncExecutor

from bench.systems.common import System, side_main
from bench.systems.prefill import clone_tasktiger_format
from bench.tasks import noop

_EXECUTORS = {"fork": ForkExecutor, "sync": SyncExecutor}


class TaskTigerSystem(System):
    """TaskTiger 0.26.3 in its default configuration."""

    name = "tasktiger"
    module = "bench.systems.tasktiger_side"

    def __init__(self, url: str) -> None:
        super().__init__(url)
        connection = redis.Redis.from_url(url, decode_responses=True)
        self.tiger = TaskTiger(connection=connection, setup_structlog=True)

    def enqueue(self, ns: Sequence[int], queue: str) -> None:
        """Queue with ``tiger.delay``, one call per task."""
        delay = self.tiger.delay
        for n in ns:
            delay(noop, args=[n], queue=queue)

    def enqueue_at(self, ns: Sequence[int], queue: str, when: float) -> None:
        """Schedule with ``tiger.delay(when=naive UTC datetime)``."""
        moment = dt.datetime.fromtimestamp(when, dt.UTC).replace(tzinfo=None)
        for n in ns:
            self.tiger.delay(noop, args=[n], queue=queue, when=moment)

    def prefill(self, n: int, queue: str) -> None:
        """Clone the queued task in TaskTiger's layout."""
        clone_tasktiger_format(self.redis, self.tiger.config["REDIS_PREFIX"], queue, n)

    def make_worker(self, spec: dict[str, Any]) -> Callable[[], None]:
        """TaskTiger's ``Worker`` with ForkExecutor (its default) or SyncExecutor."""
        worker = Worker(
            self.tiger,
            queues=spec["queues"],
            executor_class=_EXECUTORS[spec["executor"]],
        )
        once = bool(spec["once"])
        return lambda: worker.run(once=once)


if __name__ == "__main__":
    side_main(TaskTigerSystem)
