"""The worker's heartbeat raises LeaseLost once every task of an execution is lost."""

from __future__ import annotations

import pytest

from tests.clock import FrozenClock
from tiger_adapters.executor import InlineExecutor
from tiger_adapters.memory import MemoryTaskStore
from tiger_core.config import TigerConfig
from tiger_core.errors import LeaseLost
from tiger_core.model.state import TaskState
from tiger_core.model.task import TaskData
from tiger_core.services.worker import WorkerCycle

T0 = 1_800_000_000.0


def claimed(store: MemoryTaskStore, *ids: str) -> WorkerCycle:
    """A cycle owned by ``w1`` that has claimed ``ids`` from queue ``q``."""
    for task_id in ids:
        data = TaskData.model_validate(
            {"id": task_id, "func": "tests.sample_tasks:add"}
        )
        store.enqueue(data, queue="q", state=TaskState.QUEUED, score=T0)
    store.claim("q", limit=len(ids), now=T0, owner="w1", busy_retry_at=T0)
    return WorkerCycle(
        store, InlineExecutor(), FrozenClock(T0), TigerConfig(), owner="w1"
    )


def take_over(store: MemoryTaskStore, task_id: str) -> None:
    """Crash recovery by another worker: requeue ``task_id``."""
    store.reclaim_expired(
        "q", task_id, cutoff=T0 + 1, record=None, to_state=TaskState.QUEUED, score=T0
    )


def test_heartbeat_raises_lease_lost_when_every_task_is_taken_over() -> None:
    """A beat after the only task was requeued elsewhere raises LeaseLost."""
    store = MemoryTaskStore()
    cycle = claimed(store, "a")
    beat = cycle._beater("q", ["a"])
    take_over(store, "a")

    with pytest.raises(LeaseLost, match="lost every task of this execution"):
        beat()


def test_heartbeat_keeps_going_while_one_task_is_still_held() -> None:
    """Losing one task of a batch is logged, not fenced: the others still run."""
    store = MemoryTaskStore()
    cycle = claimed(store, "a", "b")
    beat = cycle._beater("q", ["a", "b"])
    take_over(store, "a")

    beat()

    assert 1 == store.count("q", TaskState.ACTIVE)
