"""move_error_tasks: the bounded bulk retry/delete of a queue's error state."""

from __future__ import annotations

from tests.clock import FrozenClock
from tiger_adapters.memory import MemoryTaskStore
from tiger_core.model.execution import ExecutionRecord
from tiger_core.model.state import TaskState
from tiger_core.model.task import TaskData
from tiger_core.services.error_queue import move_error_tasks

T0 = 1_800_000_000.0


def errored(store: MemoryTaskStore, *ids: str) -> None:
    """Put tasks into the error state of queue ``q`` through the port."""
    for task_id in ids:
        data = TaskData(id=task_id, func="tests.sample_tasks:fail")
        store.enqueue(data, queue="q", state=TaskState.QUEUED, score=T0)
        store.claim("q", limit=1, now=T0, owner="w", busy_retry_at=T0)
        store.fail(
            "q",
            task_id,
            record=ExecutionRecord(exception_name="builtins:ValueError"),
            owner="w",
            to_state=TaskState.ERROR,
            score=T0,
            keep_executions=None,
        )


def test_retry_moves_at_most_the_limit() -> None:
    """Only ``limit`` tasks move, so a retry-all cannot chase tasks failing again."""
    store = MemoryTaskStore()
    errored(store, "a", "b", "c")

    moved = move_error_tasks(
        store, FrozenClock(T0), "q", to_state=TaskState.QUEUED, limit=2
    )

    assert (2, 2, 1) == (
        moved,
        store.count("q", TaskState.QUEUED),
        store.count("q", TaskState.ERROR),
    )


def test_delete_removes_every_counted_task() -> None:
    """Deleting with the current count empties the error state."""
    store = MemoryTaskStore()
    errored(store, "a", "b")

    moved = move_error_tasks(
        store,
        FrozenClock(T0),
        "q",
        to_state=None,
        limit=store.count("q", TaskState.ERROR),
    )

    assert (2, 0) == (moved, store.count("q", TaskState.ERROR))
