"""P1's helpers: reading leases and payloads out of each store, running a machine."""

from __future__ import annotations

import time
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

from tiger_adapters.memory import MemoryTaskStore
from tiger_adapters.redis import RedisTaskStore
from tiger_core.model.state import TaskState
from tiger_core.ports import TaskStore

Q = "q"
ACTIVE = TaskState.ACTIVE
#: A lease as inspected: (owner, started).
Lease = tuple[str, bool]


def memory_inspect(store: TaskStore) -> tuple[dict[str, Lease], set[str]]:
    assert isinstance(store, MemoryTaskStore)
    leases = {}
    for task_id in store.list_tasks(Q, ACTIVE)[1]:
        lease = store._leases.get(Q, task_id.id)
        assert lease is not None
        leases[task_id.id] = (lease.owner, lease.started)
    return leases, set(store._payloads)


def redis_inspect(store: TaskStore) -> tuple[dict[str, Lease], set[str]]:
    assert isinstance(store, RedisTaskStore)
    client = store.client
    keys = [str(k) for k in client.keys("t:task:*")]
    payloads = {k.split(":", 2)[2] for k in keys if k.count(":") == 2}
    leases: dict[str, Lease] = {}
    for task_id, record in client.hgetall(f"t:owner:{Q}").items():
        owner, score, mark = str(record).split("|")
        assert float(score) == client.zscore(f"t:active:{Q}", task_id)
        leases[str(task_id)] = (owner, mark == "r")
    return leases, payloads


def run_machine(
    name: str, machine: type[RuleBasedStateMachine], examples: int
) -> dict[str, Any]:
    start = time.monotonic()
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        ),
    )
    return {
        f"{name}_examples": examples,
        f"{name}_seconds": round(time.monotonic() - start, 1),
    }
