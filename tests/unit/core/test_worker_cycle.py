"""WorkerCycle over the in-memory store and the inline executor."""

from __future__ import annotations

import socket

import pytest
from structlog.testing import capture_logs

from tests.clock import FrozenClock
from tiger_adapters.executor import InlineExecutor
from tiger_adapters.memory import MemoryTaskStore
from tiger_core.config import TigerConfig
from tiger_core.model.state import TaskState
from tiger_core.model.task import TaskData
from tiger_core.services.worker import MALFORMED_TASK, WorkerCycle

T0 = 1_800_000_000.0


@pytest.fixture
def store() -> MemoryTaskStore:
    """An empty store."""
    return MemoryTaskStore()


@pytest.fixture
def clock() -> FrozenClock:
    """A clock at T0."""
    return FrozenClock(T0)


def cycle(store: MemoryTaskStore, clock: FrozenClock, **kwargs: object) -> WorkerCycle:
    """A worker cycle owned by ``w1``."""
    return WorkerCycle(
        store,
        InlineExecutor(),
        clock,
        TigerConfig(),
        owner="w1",
        host="h",
        **kwargs,  # type: ignore[arg-type]
    )


def put(
    store: MemoryTaskStore, task_id: str, func: str, queue: str = "q", **fields: object
) -> None:
    """Queue a task directly through the port."""
    data = TaskData.model_validate({"id": task_id, "func": func, **fields})
    store.enqueue(data, queue=queue, state=TaskState.QUEUED, score=T0)


def test_successful_task_is_gone(store: MemoryTaskStore, clock: FrozenClock) -> None:
    """A task that returns is removed from every state."""
    put(store, "a", "tests.sample_tasks:add", args=[1, 2])

    did_work = cycle(store, clock).run_once()

    assert did_work
    assert all(store.count("q", s) == 0 for s in TaskState)


def test_failing_task_lands_in_error_with_record(
    store: MemoryTaskStore, clock: FrozenClock
) -> None:
    """An exception moves the task to error with a complete execution record."""
    put(store, "a", "tests.sample_tasks:fail", args=["bad"])

    cycle(store, clock).run_once()

    loaded = store.get("q", TaskState.ERROR, "a", executions=-1)
    (record,) = loaded.executions
    assert ("builtins:ValueError", False, socket.gethostname()) == (
        record["exception_name"],
        record["success"],
        record["host"],
    )
    assert "ValueError: bad" in record["traceback"]


def test_retry_schedules_then_errors(
    store: MemoryTaskStore, clock: FrozenClock
) -> None:
    """fixed(10, 1) retries once after 10 s, then the task lands in error."""
    put(
        store,
        "a",
        "tests.sample_tasks:fail",
        args=["x"],
        retry_method=["tasktiger.retry:_fixed", [10, 1]],
    )
    worker = cycle(store, clock)

    worker.run_once()
    scheduled_at = store.get("q", TaskState.SCHEDULED, "a").score
    clock.advance(10)
    worker.run_once()

    assert T0 + 10 == scheduled_at
    assert 2 == store.get("q", TaskState.ERROR, "a").executions_count


def test_unimportable_function_is_an_error_not_a_crash(
    store: MemoryTaskStore, clock: FrozenClock
) -> None:
    """A task naming a missing module fails with TaskImportError; others still run."""
    put(store, "bad", "no_such_module:func", queue="q1")
    put(store, "good", "tests.sample_tasks:add", queue="q2", args=[1, 1])

    cycle(store, clock).run_once()

    (record,) = store.get("q1", TaskState.ERROR, "bad", executions=1).executions
    assert "tasktiger.exceptions:TaskImportError" == record["exception_name"]
    assert "no_such_module" in record["traceback"]
    assert 0 == store.count("q2", TaskState.QUEUED)


def test_missing_payload_is_dropped(store: MemoryTaskStore, clock: FrozenClock) -> None:
    """A claimed id without payload is removed and logged as not found."""
    put(store, "a", "tests.sample_tasks:add")
    store._payloads.clear()  # simulate a payload deleted behind Tiger's back

    with capture_logs() as logs:
        cycle(store, clock).run_once()

    assert all(store.count("q", s) == 0 for s in TaskState)
    assert "not found" in [entry["event"] for entry in logs]


def test_malformed_payload_goes_to_error(
    store: MemoryTaskStore, clock: FrozenClock
) -> None:
    """A payload that is not JSON ends in error with a message naming the task."""
    put(store, "a", "tests.sample_tasks:add")
    store._payloads["a"] = "{not json"

    cycle(store, clock).run_once()

    (record,) = store.get("q", TaskState.ERROR, "a", executions=1).executions
    assert MALFORMED_TASK == record["exception_name"]
    assert "task a" in record["traceback"]


def test_queue_filters_are_respected(
    store: MemoryTaskStore, clock: FrozenClock
) -> None:
    """A worker limited to ``q1`` leaves other queues alone, subqueues included."""
    put(store, "a", "tests.sample_tasks:add", queue="q1.sub", args=[1, 1])
    put(store, "b", "tests.sample_tasks:add", queue="q2", args=[1, 1])

    cycle(store, clock, only=("q1",)).run_once()

    assert (0, 1) == (
        store.count("q1.sub", TaskState.QUEUED),
        store.count("q2", TaskState.QUEUED),
    )


def test_scheduled_task_runs_once_due(
    store: MemoryTaskStore, clock: FrozenClock
) -> None:
    """A scheduled task is promoted and run when its time comes, not before."""
    data = TaskData(id="a", func="tests.sample_tasks:add", args=[1, 1])
    store.enqueue(data, queue="q", state=TaskState.SCHEDULED, score=T0 + 5)
    worker = cycle(store, clock)

    early = worker.run_once()
    clock.advance(5)
    due = worker.run_once()

    assert (False, True) == (early, due)
    assert 0 == store.count("q", TaskState.SCHEDULED)


def test_lost_lease_is_logged_not_raised(
    store: MemoryTaskStore, clock: FrozenClock
) -> None:
    """Settling a task that another owner took over logs and leaves it alone."""
    put(store, "a", "tests.sample_tasks:add", args=[1, 1])
    worker = cycle(store, clock)
    (claimed,) = store.claim(
        "q", limit=1, now=T0, owner="someone-else", busy_retry_at=T0
    )

    with capture_logs() as logs:
        worker.run_task(claimed)

    assert "lease lost" in [entry["event"] for entry in logs]
    assert 1 == store.count("q", TaskState.ACTIVE)


def test_missing_payload_of_a_lost_task_is_not_dropped(
    store: MemoryTaskStore, clock: FrozenClock
) -> None:
    """Dropping a payload-less task is owner-checked: a taken-over task stays put."""
    put(store, "a", "tests.sample_tasks:add")
    store._payloads.clear()
    (task,) = store.claim("q", limit=1, now=T0, owner="w1", busy_retry_at=T0)
    store.reclaim_expired(
        "q", "a", cutoff=T0 + 1, record=None, to_state=TaskState.QUEUED, score=T0
    )
    store.claim("q", limit=1, now=T0, owner="w2", busy_retry_at=T0)

    with capture_logs() as logs:
        cycle(store, clock).settler.unusable(task, cycle(store, clock).log)

    assert 1 == store.count("q", TaskState.ACTIVE)
    assert "lease lost" in [entry["event"] for entry in logs]
