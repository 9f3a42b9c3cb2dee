"""P1: a Hypothesis state machine over the TaskStore port, checked against a model.

Random sequences of enqueue (plain, unique, scheduled), claim (with held tasks
and re-sent request ids), heartbeat (handing tasks to run or not), complete and
fail (handing the next held task to run), promote, move (retry / delete /
cancel) and crash recovery with explicit ``now`` values run on the in-memory
store and on a real ``redis-server``; after every step the store must equal a
small model (ids and scores per state), leases (owner, started mark) exist exactly
for active ids, payloads for ids in some state, and a queue is listed in a state's
queue set exactly when it has tasks there.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
)

from tests.chaos.figures import record_figures
from tests.chaos.redis_server import RedisServer
from tests.chaos.store_inspect import Lease, memory_inspect, redis_inspect, run_machine
from tiger_adapters.memory import MemoryTaskStore
from tiger_adapters.redis import RedisTaskStore
from tiger_core.errors import LeaseLost, TaskNotFound
from tiger_core.model.execution import ExecutionRecord
from tiger_core.model.state import Takeover, TaskState
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
    inspect: Callable[[TaskStore], tuple[dict[str, Lease], set[str]]]
    #: Steps run by all instances (the test checks that the machine ran).
    steps = 0

    def __init__(self) -> None:
        super().__init__()
        self.store = type(self).make_store()
        self.zsets: dict[TaskState, dict[str, float]] = {s: {} for s in STATES}
        self.owner: dict[str, Lease] = {}
        self.last_claim: dict[str, tuple[str, list[str]]] = {}
        self.requests = 0
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

    def _holds(self, task_id: str, owner: str) -> bool:
        lease = self.owner.get(task_id)
        return lease is not None and lease[0] == owner

    def _leave_active(self, task_id: str, owner: str) -> bool:
        if not self._holds(task_id, owner) or task_id not in self.zsets[ACTIVE]:
            return False
        del self.zsets[ACTIVE][task_id]
        del self.owner[task_id]
        return True

    def _then_start(self, data: st.DataObject, owner: str) -> tuple[str, str] | None:
        """Draw the task a settle hands to run: one of ``owner``'s, or any, or none."""
        picks = [None, *sorted(self.zsets[ACTIVE]), "missing"]
        task_id = data.draw(st.sampled_from(picks))
        return None if task_id is None else (Q, task_id)

    def _start(self, then_start: tuple[str, str] | None, owner: str) -> None:
        if then_start is not None and self._holds(then_start[1], owner):
            self.owner[then_start[1]] = (owner, True)

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

    @rule(
        limit=st.integers(1, 3),
        owner=st.sampled_from(OWNERS),
        retry=times,
        run_first=st.sampled_from([None, 0, 1, 2]),
        resend=st.booleans(),
    )
    def claim(
        self,
        limit: int,
        owner: str,
        retry: float,
        run_first: int | None,
        resend: bool,
    ) -> None:
        """Claim the oldest queued ids; an id already active goes back to scheduled.

        The first ``run_first`` claimed ids are handed to run, the others held.
        With ``resend``, the owner's last claim is sent again with its request
        id when it took something: it answers the same ids and changes nothing.
        """
        busy_at = self.now + retry
        if resend and owner in self.last_claim:
            request, ids = self.last_claim[owner]
            again = self.store.claim(
                Q,
                limit=limit,
                now=self.now,
                owner=owner,
                busy_retry_at=busy_at,
                request_id=request,
            )
            assert ids == [task.id for task in again]
            return
        self.requests += 1
        request = f"r{self.requests}"
        got = self.store.claim(
            Q,
            limit=limit,
            now=self.now,
            owner=owner,
            busy_retry_at=busy_at,
            run_first=run_first,
            request_id=request,
        )
        oldest = sorted(self.zsets[QUEUED].items(), key=lambda kv: (kv[1], kv[0]))[
            :limit
        ]
        expected: list[str] = []
        for task_id, _ in oldest:
            del self.zsets[QUEUED][task_id]
            if task_id in self.zsets[ACTIVE]:
                earlier = self.zsets[SCHEDULED].get(task_id, busy_at)
                self.zsets[SCHEDULED][task_id] = min(earlier, busy_at)
            else:
                self.zsets[ACTIVE][task_id] = self.now
                started = run_first is None or len(expected) < run_first
                self.owner[task_id] = (owner, started)
                expected.append(task_id)
        assert expected == [task.id for task in got]
        if expected:
            self.last_claim[owner] = (request, expected)
        else:  # a new request supersedes the last: it is never re-sent again
            self.last_claim.pop(owner, None)

    @rule(owner=st.sampled_from(OWNERS), start=st.booleans())
    def heartbeat(self, owner: str, start: bool) -> None:
        """Heartbeat every active id on behalf of ``owner``; others come back lost."""
        ids = sorted(self.zsets[ACTIVE])
        lost = self.store.heartbeat(Q, ids, now=self.now, owner=owner, start=start)
        for task_id in ids:
            if self._holds(task_id, owner):
                self.zsets[ACTIVE][task_id] = self.now
                self.owner[task_id] = (owner, start or self.owner[task_id][1])
        assert sorted(i for i in ids if not self._holds(i, owner)) == sorted(lost)

    @rule(data=st.data(), owner=st.sampled_from(OWNERS))
    def complete(self, data: st.DataObject, owner: str) -> None:
        """Complete an active id (LeaseLost when ``owner`` does not hold it)."""
        if not self.zsets[ACTIVE]:
            return
        task_id = data.draw(st.sampled_from(sorted(self.zsets[ACTIVE])))
        then_start = self._then_start(data, owner)
        if not self._leave_active(task_id, owner):
            with pytest.raises(LeaseLost):
                self.store.complete(Q, task_id, owner=owner, then_start=then_start)
            return
        self.store.complete(Q, task_id, owner=owner, then_start=then_start)
        self._forget(task_id)
        self._start(then_start, owner)

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
        then_start = self._then_start(data, owner)

        def call() -> None:
            self.store.fail(
                Q,
                task_id,
                record=RECORD,
                owner=owner,
                to_state=to,
                score=score,
                keep_executions=None,
                then_start=then_start,
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
        self._start(then_start, owner)

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
        """Crash recovery with an explicit cutoff: only a still-stale lease is taken.

        A held task that never started goes back to queued (scored with its
        heartbeat) whatever the caller asked; a started one goes where asked.
        """
        if not self.zsets[ACTIVE]:
            return
        task_id = data.draw(st.sampled_from(sorted(self.zsets[ACTIVE])))
        cutoff = self.now - age
        taken = self.store.reclaim_expired(
            Q, task_id, cutoff=cutoff, record=RECORD, to_state=to, score=self.now
        )
        heartbeat = self.zsets[ACTIVE][task_id]
        held = not self.owner[task_id][1]
        if heartbeat > cutoff:
            assert Takeover.NONE == taken
            return
        del self.zsets[ACTIVE][task_id]
        del self.owner[task_id]
        if held:
            assert Takeover.REQUEUED_UNSTARTED == taken
            self.zsets[QUEUED].setdefault(task_id, heartbeat)
            return
        assert Takeover.TAKEN_OVER == taken
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
        """Ids and scores per state, leases, payloads and queue sets match the model.

        A queue is listed in a state's queue set exactly when it has tasks there.
        """
        type(self).steps += 1
        for state in STATES:
            total, page = self.store.list_tasks(Q, state, limit=1000)
            actual = {task.id: task.score for task in page}
            assert self.zsets[state] == actual, state
            assert len(actual) == total == self.store.count(Q, state)
            assert bool(actual) == (Q in self.store.queue_names(state)), state
        # A plain id is never both queued and active; a unique id may be (TaskTiger:
        # re-queued while its twin runs; claim then parks it in scheduled).
        both = set(self.zsets[QUEUED]) & set(self.zsets[ACTIVE])
        assert all(self.payload.get(task_id) for task_id in both)
        owners, payloads = type(self).inspect(self.store)
        assert self.owner == owners
        assert set(self.payload) == payloads
        in_states = {i for zset in self.zsets.values() for i in zset}
        assert in_states == payloads


@pytest.mark.chaos_quick
@pytest.mark.timeout(120)
def test_p1_state_machine_memory_and_redis(server: RedisServer) -> None:
    """The in-memory store and a real Redis both follow the model, step by step."""
    client = server.client()

    class OnMemory(StoreMachine):
        make_store = staticmethod(MemoryTaskStore)
        inspect = staticmethod(memory_inspect)

    def fresh_redis() -> TaskStore:
        client.flushall()
        return RedisTaskStore(client, publish=False)

    class OnRedis(StoreMachine):
        make_store = staticmethod(fresh_redis)
        inspect = staticmethod(redis_inspect)

    figures = run_machine("memory", OnMemory, 150)
    figures |= run_machine("redis", OnRedis, 60)
    record_figures(
        "P1",
        "Hypothesis state machine over TaskStore (memory + real Redis)",
        **figures,
        memory_steps=OnMemory.steps,
        redis_steps=OnRedis.steps,
        counterexample="none",
    )
    assert OnMemory.steps > 150
    assert OnRedis.steps > 60
