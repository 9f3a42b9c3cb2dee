"""Outage: a worker waits out Redis connection errors with bounded backoff."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis
import structlog
from structlog.testing import capture_logs

from tests.sample_tasks import read_records, record
from tiger_adapters.compat import TaskTiger, Worker
from tiger_adapters.compat.outage import Outage
from tiger_adapters.memory import MemoryTaskStore
from tiger_core.model.task import StoredTask


def flaky(failures: int) -> tuple[list[int], Callable[[], int]]:
    """A callable that raises ConnectionError ``failures`` times, then returns 7."""
    calls: list[int] = []

    def call() -> int:
        calls.append(1)
        if len(calls) <= failures:
            raise redis.ConnectionError("Connection refused")
        return 7

    return calls, call


def test_call_retries_until_redis_answers_and_logs_the_outage_once() -> None:
    """Three failures: one "unavailable" line, one "reachable again" line, result."""
    outage = Outage(structlog.get_logger(), threading.Event(), first=0.001, cap=0.004)
    calls, call = flaky(3)

    with capture_logs() as logs:
        result = outage.call(call)

    assert 7 == result
    assert 4 == len(calls)
    assert ["redis unavailable, retrying", "redis reachable again"] == [
        line["event"] for line in logs
    ]


def test_backoff_is_bounded_by_the_cap() -> None:
    """The wait doubles from ``first`` and never exceeds ``cap``."""
    outage = Outage(structlog.get_logger(), threading.Event(), first=0.001, cap=0.002)

    for _ in range(5):
        outage.failed(redis.TimeoutError("timeout"))

    assert 0.002 == outage._delay


def test_run_stops_waiting_when_the_worker_is_stopped() -> None:
    """A stop request ends the retries: run returns without calling again."""
    stop = threading.Event()
    outage = Outage(structlog.get_logger(), stop, first=0.001, cap=0.001)
    calls: list[int] = []

    def body() -> None:
        calls.append(1)
        stop.set()
        raise redis.ConnectionError("down")

    outage.run(body)

    assert [1] == calls


def test_other_errors_are_not_swallowed() -> None:
    """Only connection errors are waited out; a script error propagates."""
    outage = Outage(structlog.get_logger(), threading.Event())

    def body() -> None:
        raise redis.ResponseError("ERR bad script")

    with pytest.raises(redis.ResponseError):
        outage.run(body)


def test_out_of_memory_is_waited_out_like_an_outage() -> None:
    """Redis at maxmemory (OOM reply): one log line, backoff, then the loop resumes."""
    outage = Outage(structlog.get_logger(), threading.Event(), first=0.001, cap=0.002)
    calls: list[int] = []

    def body() -> None:
        calls.append(1)
        if len(calls) <= 2:
            raise redis.exceptions.OutOfMemoryError("command not allowed")

    with capture_logs() as logs:
        outage.run(body)

    assert 3 == len(calls)
    assert ["redis unavailable, retrying"] == [line["event"] for line in logs]
    assert "OutOfMemoryError" in logs[0]["error"]


class _FullStore(MemoryTaskStore):
    """A memory store whose first two claims fail as on a Redis at maxmemory."""

    def __init__(self) -> None:
        super().__init__()
        self.refusals = 2

    def claim(self, queue: str, **kwargs: Any) -> list[StoredTask]:
        """Raise Redis' OOM reply while refusals remain, then claim."""
        if self.refusals:
            self.refusals -= 1
            raise redis.exceptions.OutOfMemoryError("command not allowed")
        return super().claim(queue, **kwargs)


@pytest.mark.timeout(30)
def test_worker_under_out_of_memory_does_not_exit(tmp_path: Path) -> None:
    """OOM replies in the loop are waited out; the worker then runs the task."""
    store = _FullStore()
    tiger = TaskTiger(store=store)
    path = str(tmp_path / "out")
    tiger.delay(record, args=[path, "ran"])

    Worker(tiger, executor="sync").run(once=True)

    assert (0, ["ran"]) == (store.refusals, read_records(path))
