"""Crash recovery and promotion over the memory store with a frozen clock."""

from __future__ import annotations

import pytest

from tests.clock import FrozenClock
from tiger_adapters.executor import InlineExecutor
from tiger_adapters.memory import MemoryTaskStore
from tiger_core.config import TigerConfig
from tiger_core.model.state import TaskState
from tiger_core.model.task import TaskData
from tiger_core.services.maintenance import worker_group
from tiger_core.services.worker import WorkerCycle

T0 = 1_800_000_000.0
TIMEOUT_NAME = "tasktiger.exceptions:JobTimeoutException"


@pytest.fixture
def store() -> MemoryTaskStore:
    """An empty store."""
    return MemoryTaskStore()


def cycle(store: MemoryTaskStore, clock: FrozenClock, owner: str) -> WorkerCycle:
    """A worker cycle with a 60 s lease and a 30 s scan interval."""
    return WorkerCycle(store, InlineExecutor(), clock, TigerConfig(), owner=owner)


def claimed(store: MemoryTaskStore, **fields: object) -> None:
    """Queue task ``a`` and let worker ``dead`` claim it at T0."""
    data = TaskData.model_validate(
        {"id": "a", "func": "tests.sample_tasks:add", **fields}
    )
    store.enqueue(data, queue="q", state=TaskState.QUEUED, score=T0)
    store.claim("q", limit=1, now=T0, owner="dead", busy_retry_at=T0)


def test_expired_retriable_task_is_queued_with_a_lost_worker_record(
    store: MemoryTaskStore,
) -> None:
    """retry_on covering JobTimeoutException requeues the task of a lost worker."""
    claimed(
        store,
        retry_on=[TIMEOUT_NAME],
        retry_method=["tasktiger.retry:_fixed", [60, 3]],
    )
    clock = FrozenClock(T0 + 61)

    cycle(store, clock, "alive").maintain()

    task = store.get("q", TaskState.QUEUED, "a", executions=-1)
    (record,) = task.executions
    assert TIMEOUT_NAME == record["exception_name"]
    assert "worker dead stopped heartbeating" in record["traceback"]


def test_expired_task_without_retry_on_goes_to_error(store: MemoryTaskStore) -> None:
    """Plain retry without retry_on is not enough (TaskTiger's rule)."""
    claimed(store, retry_method=["tasktiger.retry:_fixed", [60, 3]])

    cycle(store, FrozenClock(T0 + 61), "alive").maintain()

    assert 1 == store.count("q", TaskState.ERROR)


def test_live_task_is_not_taken_over(store: MemoryTaskStore) -> None:
    """A task whose heartbeat is recent stays active."""
    claimed(store)

    cycle(store, FrozenClock(T0 + 59), "alive").maintain()

    assert 1 == store.count("q", TaskState.ACTIVE)


def test_expiry_scan_is_rate_limited(store: MemoryTaskStore) -> None:
    """A second scan within REQUEUE_EXPIRED_TASKS_INTERVAL does nothing."""
    clock = FrozenClock(T0 + 61)
    worker = cycle(store, clock, "alive")
    worker.maintain()
    claimed(store)
    clock.advance(5)

    worker.maintain()

    assert 1 == store.count("q", TaskState.ACTIVE)


def test_worker_group_matches_tasktiger() -> None:
    """The group id of a worker without filters is TaskTiger's."""
    assert worker_group([], []).startswith("a683096011db")
