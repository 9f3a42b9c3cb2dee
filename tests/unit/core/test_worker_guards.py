"""WorkerCycle with task locks and queue limits, over the memory stores."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from structlog.testing import capture_logs

from tests.clock import FrozenClock
from tiger_adapters.executor import InlineExecutor
from tiger_adapters.memory import MemoryLockStore, MemoryTaskStore
from tiger_core.config import TigerConfig
from tiger_core.model.execution import ExecutionReport, ExecutionRequest
from tiger_core.model.state import TaskState
from tiger_core.model.task import TaskData
from tiger_core.ports import Executor
from tiger_core.services.guards import task_lock_ids
from tiger_core.services.worker import WorkerCycle

T0 = 1_800_000_000.0
LOCKED = TaskData(id="a", func="tests.sample_tasks:add", lock=True, args=[1, 2])
LOCK_ID = task_lock_ids(LOCKED)[0]


@pytest.fixture
def store() -> MemoryTaskStore:
    """An empty task store."""
    return MemoryTaskStore()


@pytest.fixture
def locks() -> MemoryLockStore:
    """An empty lock store."""
    return MemoryLockStore()


@pytest.fixture
def clock() -> FrozenClock:
    """A clock at T0."""
    return FrozenClock(T0)


def make_cycle(
    store: MemoryTaskStore,
    locks: MemoryLockStore,
    clock: FrozenClock,
    *,
    executor: Executor | None = None,
    config: TigerConfig | None = None,
    max_workers_per_queue: int | None = None,
) -> WorkerCycle:
    """A worker cycle owned by ``w1`` with lock storage."""
    return WorkerCycle(
        store,
        executor or InlineExecutor(),
        clock,
        config or TigerConfig(LOCK_RETRY=2),
        owner="w1",
        locks=locks,
        max_workers_per_queue=max_workers_per_queue,
    )


def put(store: MemoryTaskStore, data: TaskData = LOCKED, queue: str = "q") -> None:
    """Queue a task through the port."""
    store.enqueue(data, queue=queue, state=TaskState.QUEUED, score=T0)


class ProbeExecutor:
    """Runs a probe between two heartbeats instead of the task, then succeeds."""

    def __init__(self, clock: FrozenClock, probe: Callable[[], object]) -> None:
        self.clock = clock
        self.probe = probe
        self.seen: list[object] = []

    def execute(
        self, request: ExecutionRequest, *, heartbeat: Callable[[], None]
    ) -> ExecutionReport:
        """Advance 50 s, beat, advance 50 s (past a 60 s TTL), then probe."""
        self.clock.advance(50)
        heartbeat()
        self.clock.advance(50)
        self.seen.append(self.probe())
        return ExecutionReport(success=True)


def test_busy_lock_defers_the_task_without_running_it(store, locks, clock) -> None:
    """A task whose lock another worker holds is scheduled at now+LOCK_RETRY."""
    locks.acquire_locks([LOCK_ID], token="w2", ttl=60, now=T0)
    put(store)

    with capture_logs() as logs:
        did_work = make_cycle(store, locks, clock).run_once()

    deferred = store.get("q", TaskState.SCHEDULED, "a", executions=-1)
    assert did_work
    assert (T0 + 2, [], 0) == (
        deferred.score,
        deferred.executions,
        deferred.executions_count,
    )
    assert 0 == store.count("q", TaskState.ACTIVE)
    assert ["could not acquire lock"] == [
        e["event"] for e in logs if e["event"] == "could not acquire lock"
    ]


def test_deferred_task_runs_once_the_lock_is_free(store, locks, clock) -> None:
    """After the holder releases the lock, the deferred task runs and is done."""
    locks.acquire_locks([LOCK_ID], token="w2", ttl=60, now=T0)
    put(store)
    cycle = make_cycle(store, locks, clock)
    cycle.run_once()
    locks.release_locks([LOCK_ID], token="w2")
    clock.advance(2)

    cycle.run_once()

    assert all(0 == store.count("q", state) for state in TaskState)


def test_lock_is_held_and_renewed_while_running_then_released(
    store, locks, clock
) -> None:
    """The heartbeat keeps the lock past its TTL; it is free after the task."""
    probe = ProbeExecutor(
        clock,
        lambda: locks.acquire_locks([LOCK_ID], token="w2", ttl=60, now=clock.now()),
    )
    put(store)

    make_cycle(store, locks, clock, executor=probe).run_once()

    assert [[]] == probe.seen
    assert [LOCK_ID] == locks.acquire_locks(
        [LOCK_ID], token="w2", ttl=60, now=clock.now()
    )


def test_a_full_queue_is_skipped_and_kept(store, locks, clock) -> None:
    """With -M 1 and another worker's slot taken, the queue is left queued."""
    locks.acquire_slot("q", owner="w2", limit=1, ttl=60, now=T0)
    put(store, TaskData(id="b", func="tests.sample_tasks:add", args=[1, 2]))
    cycle = make_cycle(store, locks, clock, max_workers_per_queue=1)

    skipped = cycle.run_once()
    refused = set(cycle.guards.refused)
    locks.release_slot("q", owner="w2")
    processed = cycle.run_once()

    assert (False, {"q"}) == (skipped, refused)
    assert (True, set()) == (processed, cycle.guards.refused)
    assert all(0 == store.count("q", state) for state in TaskState)


def test_single_worker_queue_config_limits_subqueues(store, locks, clock) -> None:
    """SINGLE_WORKER_QUEUES limits the queue's subqueues to one worker."""
    locks.acquire_slot("swq.a", owner="w2", limit=1, ttl=60, now=T0)
    put(store, TaskData(id="b", func="tests.sample_tasks:add", args=[1, 2]), "swq.a")
    config = TigerConfig(SINGLE_WORKER_QUEUES=("swq",))

    did_work = make_cycle(store, locks, clock, config=config).run_once()

    assert (False, 1) == (did_work, store.count("swq.a", TaskState.QUEUED))


def test_slot_is_held_and_renewed_while_running_then_released(
    store, locks, clock
) -> None:
    """The heartbeat renews the worker's slot; it is given back afterwards."""
    probe = ProbeExecutor(
        clock,
        lambda: locks.acquire_slot("q", owner="w2", limit=1, ttl=60, now=clock.now()),
    )
    put(store, TaskData(id="b", func="tests.sample_tasks:add"))

    make_cycle(store, locks, clock, executor=probe, max_workers_per_queue=1).run_once()

    assert [False] == probe.seen
    assert locks.acquire_slot("q", owner="w2", limit=1, ttl=60, now=clock.now())


def test_a_paused_queue_waits_for_its_system_lock(store, locks, clock) -> None:
    """A system lock stops a limited worker until it expires; unlimited ignore it."""
    locks.set_system_lock("q", timeout=10, now=T0)
    put(store, TaskData(id="b", func="tests.sample_tasks:add", args=[1, 2]))
    limited = make_cycle(store, locks, clock, max_workers_per_queue=5)

    paused = limited.run_once()
    clock.advance(10)
    resumed = limited.run_once()

    assert (False, True) == (paused, resumed)


def test_workers_without_limit_ignore_the_system_lock(store, locks, clock) -> None:
    """The system lock only affects workers with a per-queue limit (compat 5.9)."""
    locks.set_system_lock("q", timeout=10, now=T0)
    put(store, TaskData(id="b", func="tests.sample_tasks:add", args=[1, 2]))

    did_work = make_cycle(store, locks, clock).run_once()

    assert did_work
