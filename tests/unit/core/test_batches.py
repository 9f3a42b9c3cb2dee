"""Batch queues: claim size, grouping by function, one executor call per group."""

from __future__ import annotations

from pathlib import Path

from tests.clock import FrozenClock
from tests.sample_tasks import read_records
from tiger_adapters.executor import InlineExecutor
from tiger_adapters.memory import MemoryTaskStore
from tiger_core.config import TigerConfig
from tiger_core.model.state import TaskState
from tiger_core.model.task import TaskData
from tiger_core.services.groups import batch_size
from tiger_core.services.worker import WorkerCycle

T0 = 1_800_000_000.0


def put(
    store: MemoryTaskStore, task_id: str, func: str, queue: str, **kw: object
) -> None:
    """Queue a task directly through the port (ids give the FIFO order)."""
    data = TaskData.model_validate({"id": task_id, "func": func, **kw})
    store.enqueue(data, queue=queue, state=TaskState.QUEUED, score=T0 + len(task_id))


def cycle(store: MemoryTaskStore, batches: dict[str, int]) -> WorkerCycle:
    """A worker cycle with BATCH_QUEUES set."""
    config = TigerConfig(BATCH_QUEUES=batches)
    return WorkerCycle(store, InlineExecutor(), FrozenClock(T0), config, owner="w")


def test_most_specific_batch_queue_wins() -> None:
    """Subqueues inherit the size of their closest named parent."""
    batches = {"a": 5, "a.b": 2}

    assert (5, 2, 2, 1) == tuple(
        batch_size(q, batches) for q in ("a.x", "a.b", "a.b.c", "b")
    )


def test_batch_function_gets_the_whole_group(tmp_path: Path) -> None:
    """Up to the batch size, one call with every task's args and kwargs."""
    store = MemoryTaskStore()
    path = str(tmp_path / "out")
    for task_id in ("x", "xx", "xxx", "xxxx"):
        put(
            store,
            task_id,
            "tests.sample_tasks:batch_collect",
            "b.sub",
            kwargs={"path": path, "n": task_id},
        )

    cycle(store, {"b": 3}).process_queue("b.sub")

    (call,) = read_records(path)
    assert ["x", "xx", "xxx"] == [task["kwargs"]["n"] for task in call]
    assert 1 == store.count("b.sub", TaskState.QUEUED)


def test_groups_by_function_in_first_seen_order(tmp_path: Path) -> None:
    """Non-batch functions run one task after the other, grouped by function."""
    store = MemoryTaskStore()
    path = str(tmp_path / "out")
    put(store, "x", "tests.sample_tasks:record", "b", args=[path, 1])
    put(store, "xx", "tests.sample_tasks:add", "b", args=[1, 2])
    put(store, "xxx", "tests.sample_tasks:record", "b", args=[path, 2])

    worked = cycle(store, {"b": 3}).process_queue("b")

    assert worked
    assert [1, 2] == read_records(path)
    assert all(store.count("b", s) == 0 for s in TaskState)


def test_failure_fails_the_whole_group(tmp_path: Path) -> None:
    """TaskTiger's group semantics: the first exception fails every task of it."""
    store = MemoryTaskStore()
    put(store, "x", "tests.sample_tasks:fail", "b", args=["one"])
    put(store, "xx", "tests.sample_tasks:fail", "b", args=["two"])

    cycle(store, {"b": 2}).process_queue("b")

    assert 2 == store.count("b", TaskState.ERROR)
