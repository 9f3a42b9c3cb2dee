"""Persistence: a worker's store calls ride out an outage instead of dropping work.

The worker-level tests drive a real WorkerCycle over a memory store whose
writes fail with redis-py's connection errors for a while, as a Redis restart
makes them fail: the finished task's outcome is kept and settled afterwards.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
import redis
import structlog

from tests.clock import FrozenClock
from tiger_adapters.compat.outage import Outage, RedisSetupError
from tiger_adapters.compat.persist import Persistence
from tiger_adapters.executor import InlineExecutor
from tiger_adapters.memory import MemoryTaskStore
from tiger_core.config import TigerConfig
from tiger_core.errors import LeaseLost
from tiger_core.model.state import TaskState
from tiger_core.model.task import TaskData
from tiger_core.services.worker import WorkerCycle

T0 = 1_800_000_000.0


class NoWaitStop(threading.Event):
    """A stop event whose backoff waits return at once (and are counted)."""

    def __init__(self) -> None:
        super().__init__()
        self.waits = 0

    def wait(self, timeout: float | None = None) -> bool:
        """Count the wait; return at once."""
        del timeout
        self.waits += 1
        return self.is_set()


def persistence(stop: threading.Event, grace: float = 60.0) -> Persistence:
    """A Persistence over a fresh Outage (no real waits with NoWaitStop)."""
    outage = Outage(structlog.get_logger(), stop, random=lambda: 0.0)
    return Persistence(outage, stop, grace=grace)


def flaky(failures: int, result: str = "ok") -> tuple[list[int], Any]:
    """An action failing ``failures`` times with ConnectionError, then answering."""
    calls: list[int] = []

    def action() -> str:
        calls.append(1)
        if len(calls) <= failures:
            raise redis.ConnectionError("Connection refused")
        return result

    return calls, action


def test_a_call_is_tried_again_until_redis_answers() -> None:
    """Connection errors are waited out; the answer comes back."""
    stop = NoWaitStop()
    calls, action = flaky(3)

    assert "ok" == persistence(stop)(action)
    assert (4, 3) == (len(calls), stop.waits)


def test_errors_that_waiting_cannot_help_are_raised_at_once() -> None:
    """LeaseLost passes through; a refused password becomes a setup error."""
    stop = NoWaitStop()

    def lost() -> None:
        raise LeaseLost("task a is not held by w1")

    def wrong_password() -> None:
        raise redis.AuthenticationError("WRONGPASS invalid username-password pair")

    with pytest.raises(LeaseLost):
        persistence(stop)(lost)
    with pytest.raises(RedisSetupError):
        persistence(stop)(wrong_password)
    assert 0 == stop.waits


def test_a_stopping_worker_gives_up_after_the_grace() -> None:
    """Once stopping, the call is tried for ``grace`` seconds, then its error raised."""
    stop = NoWaitStop()
    stop.set()
    calls, action = flaky(10**6)

    with pytest.raises(redis.ConnectionError):
        persistence(stop, grace=0.3)(action)
    assert 2 <= len(calls) <= 4


class OutageStore(MemoryTaskStore):
    """A memory store whose settles fail like Redis being down, ``failures`` times."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures
        self.calls: list[str] = []

    def _maybe_down(self, name: str) -> None:
        self.calls.append(name)
        if self.failures > 0:
            self.failures -= 1
            raise redis.ConnectionError("Error 111 connecting. Connection refused.")

    def complete(self, queue: str, task_id: str, **kwargs: Any) -> None:
        """Fail while 'down', then complete."""
        self._maybe_down("complete")
        super().complete(queue, task_id, **kwargs)

    def fail(self, queue: str, task_id: str, **kwargs: Any) -> None:
        """Fail while 'down', then fail the task."""
        self._maybe_down("fail")
        super().fail(queue, task_id, **kwargs)


def run_one(store: OutageStore, func: str) -> WorkerCycle:
    """Queue one task of ``func`` and run one cycle with persistence."""
    data = TaskData(
        id="a", func=func, args=[1, 2] if func.endswith("add") else ["boom"]
    )
    store.enqueue(data, queue="q", state=TaskState.QUEUED, score=T0)
    cycle = WorkerCycle(
        store,
        InlineExecutor(),
        FrozenClock(T0),
        TigerConfig(),
        owner="w1",
        persist=persistence(NoWaitStop()),
    )
    cycle.process_queue("q")
    return cycle


def test_a_finished_task_is_settled_after_the_outage() -> None:
    """A success whose completion meets an outage is completed once Redis is back."""
    store = OutageStore(failures=3)

    run_one(store, "tests.sample_tasks:add")

    assert ["complete"] * 4 == store.calls
    assert all(store.count("q", state) == 0 for state in TaskState)


def test_a_failed_task_is_recorded_after_the_outage() -> None:
    """A failure whose record meets an outage is stored once Redis is back."""
    store = OutageStore(failures=2)

    run_one(store, "tests.sample_tasks:fail")

    assert 1 == store.count("q", TaskState.ERROR)
    assert 1 == store.get("q", TaskState.ERROR, "a").executions_count
