"""Batch queues: the groups waiting their turn are heartbeated with the running one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.clock import FrozenClock
from tests.sample_tasks import read_records
from tiger_adapters.executor import InlineExecutor
from tiger_adapters.memory import MemoryTaskStore
from tiger_core.config import TigerConfig
from tiger_core.model.execution import ExecutionReport, ExecutionRequest
from tiger_core.model.state import TaskState
from tiger_core.model.task import TaskData
from tiger_core.services.worker import WorkerCycle

T0 = 1_800_000_000.0
CONFIG = TigerConfig(BATCH_QUEUES={"b": 4})


class FirstGroupHook:
    """Runs inline; during the first call, ``hook(heartbeat)`` runs first."""

    def __init__(self, hook: Callable[[Callable[[], None]], None]) -> None:
        self.hook = hook
        self.calls: list[list[str]] = []

    def execute(
        self, request: ExecutionRequest, *, heartbeat: Callable[[], None]
    ) -> ExecutionReport:
        """Record the call, run the hook on the first one, then run the tasks."""
        self.calls.append([task.id for task in request.tasks])
        if len(self.calls) == 1:
            self.hook(heartbeat)
        return InlineExecutor().execute(request, heartbeat=heartbeat)

    def interrupt(self) -> None:
        """Nothing to interrupt."""


def two_groups(store: MemoryTaskStore, path: Path) -> None:
    """Queue two tasks of ``add`` then two of ``record`` on batch queue ``b``."""
    for task_id, func, args in (
        ("a1", "add", [1, 2]),
        ("a2", "add", [3, 4]),
        ("r1", "record", [str(path), 1]),
        ("r2", "record", [str(path), 2]),
    ):
        data = TaskData.model_validate(
            {"id": task_id, "func": f"tests.sample_tasks:{func}", "args": args}
        )
        store.enqueue(data, queue="b", state=TaskState.QUEUED, score=T0)


def test_waiting_group_survives_crash_recovery_elsewhere(tmp_path: Path) -> None:
    """Another worker's recovery does not take over a group still waiting its turn."""
    store, clock, path = MemoryTaskStore(), FrozenClock(T0), tmp_path / "out"
    two_groups(store, path)
    other = WorkerCycle(store, InlineExecutor(), clock, CONFIG, owner="w2")

    def beat_then_recover(heartbeat: Callable[[], None]) -> None:
        clock.advance(50)
        heartbeat()
        clock.advance(50)  # the claim's beat (T0) has expired, the last one not
        other.maintain()

    worker = WorkerCycle(
        store, FirstGroupHook(beat_then_recover), clock, CONFIG, owner="w1"
    )
    worker.process_queue("b")

    assert [1, 2] == read_records(str(path))
    assert all(0 == store.count("b", state) for state in TaskState)


def test_waiting_task_taken_over_is_not_run(tmp_path: Path) -> None:
    """A task of a waiting group reported lost by a beat is left to its new owner."""
    store, clock, path = MemoryTaskStore(), FrozenClock(T0), tmp_path / "out"
    two_groups(store, path)

    def take_over_r1(heartbeat: Callable[[], None]) -> None:
        store.reclaim_expired(
            "b", "r1", cutoff=T0 + 1, record=None, to_state=TaskState.QUEUED, score=T0
        )
        heartbeat()

    executor = FirstGroupHook(take_over_r1)
    WorkerCycle(store, executor, clock, CONFIG, owner="w1").process_queue("b")

    assert [["a1", "a2"], ["r2"]] == executor.calls
    assert [2] == read_records(str(path))
    assert 1 == store.count("b", TaskState.QUEUED)
