"""RQ's side, run from the project's venv: ``python -m bench.systems.rq_side``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import redis
from rq import Queue, SimpleWorker
from rq import Worker as ForkWorker

from bench.systems.common import System, side_main
from bench.systems.prefill import clone_rq_format
from bench.tasks import noop


class RQSystem(System):
    """RQ: ``Worker`` forks a work horse per job, ``SimpleWorker`` runs in-process."""

    name = "rq"
    module = "bench.systems.rq_side"

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.binary = redis.Redis.from_url(url)  # RQ stores pickled (binary) data

    def _queue(self, name: str) -> Queue:
        return Queue(name, connection=self.binary)

    def enqueue(self, ns: Sequence[int], queue: str) -> None:
        """Queue with ``Queue.enqueue``, one call per task."""
        enqueue = self._queue(queue).enqueue
        for n in ns:
            enqueue(noop, n)

    def enqueue_bulk(self, ns: Sequence[int], queue: str, batch: int) -> None:
        """Queue with ``Queue.enqueue_many``, ``batch`` jobs per call."""
        rq_queue = self._queue(queue)
        items = list(ns)
        for first in range(0, len(items), batch):
            datas = [
                Queue.prepare_data(noop, args=(n,))
                for n in items[first : first + batch]
            ]
            rq_queue.enqueue_many(datas)

    def enqueue_at(self, ns: Sequence[int], queue: str, when: float) -> None:
        """Schedule with ``Queue.enqueue_at``."""
        moment = dt.datetime.fromtimestamp(when, dt.UTC)
        rq_queue = self._queue(queue)
        for n in ns:
            rq_queue.enqueue_at(moment, noop, n)

    def prefill(self, n: int, queue: str) -> None:
        """Clone the queued job in RQ's layout."""
        clone_rq_format(self.binary, queue, n)

    def worker_queues(self, queues: Sequence[str]) -> list[str]:
        """RQ has no subqueues: the worker listens on every queue."""
        return list(queues)

    def make_worker(self, spec: dict[str, Any]) -> Callable[[], None]:
        """A burst worker when ``once``; its scheduler only when asked."""
        worker_class = ForkWorker if spec["executor"] == "fork" else SimpleWorker
        queues = [self._queue(name) for name in spec["queues"]]
        worker = worker_class(queues, connection=self.binary)
        burst, max_jobs = bool(spec["once"]), spec.get("max_jobs")
        scheduler = bool(spec.get("scheduler", False))

        def run() -> None:
            worker.work(burst=burst, max_jobs=max_jobs, with_scheduler=scheduler)

        return run


if __name__ == "__main__":
    side_main(RQSystem)
