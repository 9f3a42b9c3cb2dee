"""P1: a Hypothesis state machine over the TaskStore port, checked against a model.

Random sequences of enqueue (plain, unique, scheduled), claim, heartbeat, complete,
fail, promote, move (retry / delete / cancel) and crash recovery with explicit
``now`` values run on the in-memory store and on a real ``redis-server``; after
every step the store must equal a small pure-Python model (ids and scores per
state), owners must exist exactly for active ids, payloads exactly for ids in some
state, and a queue with tasks must be listed in its state's queue set.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
import redis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from tests.chaos.figures import record_figures
from tests.chaos.redis_server import RedisServer
from tiger_adapters.memory import MemoryTaskStore
from tiger_adapters.redis import RedisTaskStore
from tiger_core.errors import LeaseLost, TaskNotFound
from tiger_core.model.execution import ExecutionRecord
from tiger_core.model.state import TaskState
from tiger_core.model.task import TaskData
from tiger_core.ports import TaskStore

pytestmark = pytest.mark.chaos

Q = "q"
QUEUED, ACTIVE, SCHEDULED, ERROR = (
    TaskState.QUEUED,
    TaskState.ACTIVE,
    TaskState.SCHEDULED,
    TaskState.ERROR,
)
STATES = (QUEUED, ACTIVE, SCHEDULED, ERROR)
OWNERS = ("w1", "w2")
UNIQUE_IDS = ("u0", "u1")
RECORD = ExecutionRecord(exception_name="builtins:ValueError", host="h")
times = st.integers(min_value=0, max_value=50).map(float)


class StoreMachine(RuleBasedStateMachine):
    """Drives one store and a model side by side (set ``make_store`` before use)."""

    make_store: Callable[[], TaskStore]
    inspect: Callable[[TaskStore], tuple[dict[str, str], set[str]]]

    def __init__(self) -> None:
        super().__init__()
        self.store = type(self).make_store()
        self.zsets: dict[TaskState, dict[str, float]] = {s: {} for s in STATES}
        self.owner: dict[str, str] = {}
        self.payload: dict[str, bool] = {}  # id -> unique
        self.now = 100.0
        self.fresh = 0

    @initialize()
    def start(self) -> None:
        """Nothing to set up beyond the constructor."""

    # -- model helpers ---------------------------------------------------------
    def _in_any(self, task_id: str) -> bool:
        return any(task_id in zset for zset in self.zsets.values())

    def _forget(self, task_id: str) -> None:
        if not self.payload.get(task_id) or not self._in_any(task_id):
            self.payload.pop(task_id, None)

    def _leave_active(self, task_id: str, owner: str) -> bool:
        if self.owner.get(task_id) != owner or task_id not in self.zsets[ACTIVE]:
            return False
        del self.zsets[ACTIVE][task_id]
        del self.owner[task_id]
        return True

    # -- rules -------------------------------------------------------------------
    @rule(delay=times, scheduled=st.booleans())
    def enqueue(self, delay: float, scheduled: bool) -> None:
        """A new plain task, queued now or scheduled later."""
        task_id = f"n{self.fresh}"
        self.fresh += 1
        state = SCHEDULED if scheduled else QUEUED
        score = self.now + delay if scheduled else self.now
        self.store.enqueue(
            TaskData(id=task_id, func="m:f"), queue=Q, state=state, score=score
        )
        self.payload[task_id] = False
        self.zsets[state].setdefault(task_id, score)

    @rule(task_id=st.sampled_from(UNIQUE_IDS), delay=times, scheduled=st.booleans())
    def enqueue_unique(self, task_id: str, delay: float, scheduled: bool) -> None:
        """A unique task: an id already waiting keeps its score."""
        state = SCHEDULED if scheduled else QUEUED
        score = self.now + delay if scheduled else self.now
        data = TaskData(id=task_id, func="m:f", unique=True)
        self.store.enqueue(data, queue=Q, state=state, score=score)
        self.payload[task_id] = True
        self.zsets[state].setdefault(task_id, score)

    @rule(limit=st.integers(1, 3), owner=st.sampled_from(OWNERS), retry=times)
    def claim(self, limit: int, owner: str, retry: float) -> None:
        """Claim the oldest queued ids; an id already active goes back to scheduled."""
        busy_at = self.now + retry
        got = self.store.claim(
            Q, limit=limit, now=self.now, owner=owner, busy_retry_at=busy_at
        )
        oldest = sorted(self.zsets[QUEUED].items(), key=lambda kv: (kv[1], kv[0]))[
            :limit
        ]
        expected = []
        for task_id, _ in oldest:
            del self.zsets[QUEUED][task_id]
            if task_id in self.zsets[ACTIVE]:
                earlier = self.zsets[SCHEDULED].get(task_id, busy_at)
                self.zsets[SCHEDULED][task_id] = min(earlier, busy_at)
            else:
                self.zsets[ACTIVE][task_id] = self.now
                self.owner[task_id] = owner
                expected.append(task_id)
        assert expected == [task.id for task in got]

    @rule(owner=st.sampled_from(OWNERS))
    def heartbeat(self, owner: str) -> None:
        """Heartbeat every active id on behalf of ``owner``; others come back lost."""
        ids = sorted(self.zsets[ACTIVE])
        lost = self.store.heartbeat(Q, ids, now=self.now, owner=owner)
        for task_id in ids:
            if self.owner.get(task_id) == owner:
                self.zsets[ACTIVE][task_id] = self.now
        assert sorted(i for i in ids if self.owner.get(i) != owner) == sorted(lost)

    @rule(data=st.data(), owner=st.sampled_from(OWNERS))
    def complete(self, data: st.DataObject, owner: str) -> None:
        """Complete an active id (LeaseLost when ``owner`` does not hold it)."""
        if not self.zsets[ACTIVE]:
            return
        task_id = data.draw(st.sampled_from(sorted(self.zsets[ACTIVE])))
        if not self._leave_active(task_id, owner):
            with pytest.raises(LeaseLost):
                self.store.complete(Q, task_id, owner=owner)
            return
        self.store.complete(Q, task_id, owner=owner)
        self._forget(task_id)

    @rule(
        data=st.data(),
        owner=st.sampled_from(OWNERS),
        to=st.sampled_from([ERROR, SCHEDULED, None]),
        delay=times,
    )
    def fail(
        self, data: st.DataObject, owner: str, to: TaskState | None, delay: float
    ) -> None:
        """Fail an active id to error, scheduled (retry) or away."""
        if not self.zsets[ACTIVE]:
            return
        task_id = data.draw(st.sampled_from(sorted(self.zsets[ACTIVE])))
        score = self.now + delay

        def call() -> None:
            self.store.fail(
                Q,
                task_id,
                record=RECORD,
                owner=owner,
                to_state=to,
                score=score,
                keep_executions=None,
            )

        if not self._leave_active(task_id, owner):
            with pytest.raises(LeaseLost):
                call()
            return
        call()
        if to is None:
            self._forget(task_id)
        else:
            self.zsets[to][task_id] = score

    @rule(limit=st.integers(1, 3))
    def promote_due(self, limit: int) -> None:
        """Move due scheduled ids to queued (an id already queued only leaves)."""
        moved = self.store.promote_due(Q, now=self.now, limit=limit)
        due = sorted(
            ((s, i) for i, s in self.zsets[SCHEDULED].items() if s <= self.now)
        )[:limit]
        expected = 0
        for _, task_id in due:
            del self.zsets[SCHEDULED][task_id]
            if task_id not in self.zsets[QUEUED]:
                self.zsets[QUEUED][task_id] = self.now
                expected += 1
        assert expected == moved

    @rule(
        data=st.data(),
        move=st.sampled_from(
            [
                (ERROR, QUEUED),
                (ERROR, None),
                (QUEUED, None),
                (SCHEDULED, None),
                (SCHEDULED, QUEUED),
            ]
        ),
    )
    def move(
        self, data: st.DataObject, move: tuple[TaskState, TaskState | None]
    ) -> None:
        """Administration: retry, delete or cancel (TaskNotFound for a missing id)."""
        source, target = move
        candidates = [*sorted(self.zsets[source]), "missing"]
        task_id = data.draw(st.sampled_from(candidates))
        if task_id not in self.zsets[source]:
            with pytest.raises(TaskNotFound):
                self.store.move(
                    Q, task_id, from_state=source, to_state=target, score=self.now
                )
            return
        self.store.move(Q, task_id, from_state=source, to_state=target, score=self.now)
        del self.zsets[source][task_id]
        if target is None:
            self._forget(task_id)
        else:
            self.zsets[target][task_id] = self.now

    @rule(data=st.data(), age=times, to=st.sampled_from([QUEUED, ERROR, None]))
    def reclaim_expired(
        self, data: st.DataObject, age: float, to: TaskState | None
    ) -> None:
        """Crash recovery with an explicit cutoff: only a still-stale lease is taken."""
        if not self.zsets[ACTIVE]:
            return
        task_id = data.draw(st.sampled_from(sorted(self.zsets[ACTIVE])))
        cutoff = self.now - age
        taken = self.store.reclaim_expired(
            Q, task_id, cutoff=cutoff, record=RECORD, to_state=to, score=self.now
        )
        stale = self.zsets[ACTIVE][task_id] <= cutoff
        assert stale == taken
        if not stale:
            return
        del self.zsets[ACTIVE][task_id]
        del self.owner[task_id]
        if to is None:
            self._forget(task_id)
        elif to is QUEUED:
            self.zsets[QUEUED].setdefault(task_id, self.now)
        else:
            self.zsets[to][task_id] = self.now

    @rule(seconds=st.integers(1, 20))
    def advance(self, seconds: int) -> None:
        """Time passes (explicitly: nothing reads a clock)."""
        self.now += seconds

    # -- invariants ------------------------------------------------------------
    @invariant()
    def store_equals_model(self) -> None:
        """Ids and scores per state, owners, payloads and queue sets match the model."""
        for state in STATES:
            total, page = self.store.list_tasks(Q, state, limit=1000)
            actual = {task.id: task.score for task in page}
            assert self.zsets[state] == actual, state
            assert len(actual) == total == self.store.count(Q, state)
            if actual:
                assert Q in self.store.queue_names(state), state
        # A plain id is never both queued and active; a unique id may be (TaskTiger:
        # re-queued while its twin runs; claim then parks it in scheduled).
        both = set(self.zsets[QUEUED]) & set(self.zsets[ACTIVE])
        assert all(self.payload.get(task_id) for task_id in both)
        owners, payloads = type(self).inspect(self.store)
        assert self.owner == owners
        assert set(self.payload) == payloads
        in_states = {i for zset in self.zsets.values() for i in zset}
        assert in_states == payloads


def _memory_inspect(store: TaskStore) -> tuple[dict[str, str], set[str]]:
    assert isinstance(store, MemoryTaskStore)
    owners = {task_id: owner for (queue, task_id), owner in store._owners.items()}
    return owners, set(store._payloads)


def _redis_inspect(store: TaskStore) -> tuple[dict[str, str], set[str]]:
    assert isinstance(store, RedisTaskStore)
    client = store.client
    keys = [str(k) for k in client.keys("t:task:*")]
    payloads = {k.split(":", 2)[2] for k in keys if k.count(":") == 2}
    owners = client.hgetall(f"t:owner:{Q}")
    return {str(k): str(v) for k, v in owners.items()}, payloads


def _run(name: str, machine: type[StoreMachine], examples: int) -> dict[str, Any]:
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


@pytest.mark.chaos_quick
@pytest.mark.timeout(120)
def test_p1_state_machine_memory_and_redis(server: RedisServer) -> None:
    """The in-memory store and a real Redis both follow the model, step by step."""
    client = server.client()

    class OnMemory(StoreMachine):
        make_store = staticmethod(MemoryTaskStore)
        inspect = staticmethod(_memory_inspect)

    def fresh_redis() -> TaskStore:
        client.flushall()
        return RedisTaskStore(client, publish=False)

    class OnRedis(StoreMachine):
        make_store = staticmethod(fresh_redis)
        inspect = staticmethod(_redis_inspect)

    figures = _run("memory", OnMemory, 150)
    figures |= _run("redis", OnRedis, 60)
    record_figures(
        "P1",
        "Hypothesis state machine over TaskStore (memory + real Redis)",
        **figures,
        counterexample="none",
    )
    assert isinstance(client, redis.Redis)
