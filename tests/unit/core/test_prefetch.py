"""Prefetching is opt-in: one task per claim unless PREFETCH_TASKS says otherwise."""

from __future__ import annotations

import pytest

from tests.clock import FrozenClock
from tiger_adapters.executor import InlineExecutor
from tiger_adapters.memory import MemoryTaskStore
from tiger_core.config import TigerConfig
from tiger_core.model.state import TaskState
from tiger_core.model.task import TaskData
from tiger_core.services.worker import WorkerCycle

T0 = 1_800_000_000.0


def left_after_three_claims(config: TigerConfig) -> int:
    """Queue ten fast tasks, process the queue three times, count what is left."""
    store = MemoryTaskStore()
    for i in range(10):
        data = TaskData.model_validate(
            {"id": f"t{i}", "func": "tests.sample_tasks:add", "args": [i, 1]}
        )
        store.enqueue(data, queue="q", state=TaskState.QUEUED, score=T0 + i)
    cycle = WorkerCycle(store, InlineExecutor(), FrozenClock(T0), config, owner="w")
    for _ in range(3):
        cycle.process_queue("q")
    return store.count("q", TaskState.QUEUED)


def test_default_claims_one_task_at_a_time() -> None:
    """Without opting in, a deep queue of fast tasks is still claimed one by one."""
    config = TigerConfig()

    left = left_after_three_claims(config)

    assert 1 == config.PREFETCH_TASKS
    assert 7 == left


@pytest.mark.parametrize(("limit", "expected"), [(10, 3), (2, 5)])
def test_opted_in_claims_grow_up_to_the_limit(limit: int, expected: int) -> None:
    """With PREFETCH_TASKS set, the claim size doubles (1, 2, 4) up to the limit."""
    config = TigerConfig(PREFETCH_TASKS=limit)

    left = left_after_three_claims(config)

    assert expected == left
