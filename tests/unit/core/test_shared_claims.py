"""WorkerCycle: plain queues share claims; limited and batch queues keep their own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tests.clock import FrozenClock
from tiger_adapters.executor import InlineExecutor
from tiger_adapters.memory import MemoryLockStore, MemoryTaskStore
from tiger_core.config import TigerConfig
from tiger_core.model.execution import ExecutionReport, ExecutionRequest
from tiger_core.model.state import TaskState
from tiger_core.model.task import StoredTask, TaskData
from tiger_core.services.prefetch import PrefetchSizes
from tiger_core.services.worker import QUEUES_PER_CLAIM, WorkerCycle

T0 = 1_800_000_000.0
QUEUED, ACTIVE, SCHEDULED = TaskState.QUEUED, TaskState.ACTIVE, TaskState.SCHEDULED


class CountingStore(MemoryTaskStore):
    """A memory store recording its claims, completions and heartbeats."""

    def __init__(self) -> None:
        super().__init__()
        self.shared: list[tuple[list[tuple[str, int]], int]] = []
        self.single: list[str] = []
        self.hints: list[tuple[str, str] | None] = []
        self.beats: list[tuple[str, list[str], bool]] = []

    def claim_queues(
        self, queues: Sequence[tuple[str, int]], **kwargs: Any
    ) -> list[list[StoredTask]]:
        """Record the queues and the total, then claim."""
        self.shared.append((list(queues), kwargs["limit"]))
        return super().claim_queues(queues, **kwargs)

    def claim(self, queue: str, **kwargs: Any) -> list[StoredTask]:
        """Record the queue, then claim."""
        self.single.append(queue)
        return super().claim(queue, **kwargs)

    def complete(self, queue: str, task_id: str, **kwargs: Any) -> None:
        """Record the task it hands to run (``then_start``), then complete."""
        self.hints.append(kwargs.get("then_start"))
        super().complete(queue, task_id, **kwargs)

    def heartbeat(
        self, queue: str, task_ids: Sequence[str], **kwargs: Any
    ) -> list[str]:
        """Record the beat (and whether it starts tasks), then beat."""
        self.beats.append((queue, list(task_ids), kwargs.get("start", False)))
        return super().heartbeat(queue, task_ids, **kwargs)


class SlowExecutor(InlineExecutor):
    """Runs inline while the frozen clock moves ``seconds`` per execution."""

    def __init__(self, clock: FrozenClock, seconds: float) -> None:
        super().__init__()
        self.clock = clock
        self.seconds = seconds

    def execute(self, request: ExecutionRequest, **kwargs: Any) -> ExecutionReport:
        """Advance the clock, then run."""
        self.clock.advance(self.seconds)
        return super().execute(request, **kwargs)


def fill(store: MemoryTaskStore, queue: str, count: int = 1) -> None:
    """Queue ``count`` tasks of ``tests.sample_tasks:add`` in ``queue``."""
    for i in range(count):
        data = TaskData(id=f"{queue}-{i}", func="tests.sample_tasks:add", args=[i, 1])
        store.enqueue(data, queue=queue, state=QUEUED, score=T0 + i)


def cycle(store: MemoryTaskStore, clock: FrozenClock, **options: Any) -> WorkerCycle:
    """A worker cycle owned by ``w1`` (prefetching up to 10 unless told)."""
    config = options.pop("config", TigerConfig(PREFETCH_TASKS=10))
    executor = options.pop("executor", InlineExecutor())
    return WorkerCycle(store, executor, clock, config, owner="w1", **options)


def drain(worker: WorkerCycle, store: MemoryTaskStore, queues: list[str]) -> None:
    """Visit the queues until none has work, as the worker loop does."""
    ready = set(queues)
    while ready:
        worked = worker.process_queues(ready)
        ready = worked
    assert set() == store.queue_names(QUEUED) | store.queue_names(ACTIVE)


def test_many_small_queues_share_claims() -> None:
    """100 one-task queues: a handful of claims, each over several queues."""
    store, clock = CountingStore(), FrozenClock(T0)
    names = [f"q.{i}" for i in range(100)]
    for name in names:
        fill(store, name)

    drain(cycle(store, clock), store, names)

    totals = [total for _, total in store.shared]
    assert [] == store.single
    assert [1, 2, 4, 8] == totals[:4]
    assert max(totals) == 10
    assert len(store.shared) < 30
    assert all(len(queues) <= QUEUES_PER_CLAIM for queues, _ in store.shared)


def test_slow_tasks_are_not_held_back_by_a_shared_claim() -> None:
    """After slow tasks, a shared claim takes one task at a time again."""
    clock = FrozenClock(T0)
    store = CountingStore()
    for name in ("a", "b", "c", "d"):
        fill(store, name)

    worker = cycle(store, clock, executor=SlowExecutor(clock, 1.0))
    drain(worker, store, ["a", "b", "c", "d"])

    assert {1} == {total for _, total in store.shared}


def test_limited_and_batch_queues_keep_their_own_claim() -> None:
    """A queue with a worker limit or a batch size is never part of a shared claim."""
    store, clock = CountingStore(), FrozenClock(T0)
    for name in ("swq", "b", "p1", "p2", "p3"):
        fill(store, name, 2)
    config = TigerConfig(
        PREFETCH_TASKS=10, SINGLE_WORKER_QUEUES=("swq",), BATCH_QUEUES={"b": 2}
    )
    worker = cycle(store, clock, config=config, locks=MemoryLockStore())

    drain(worker, store, ["swq", "b", "p1", "p2", "p3"])

    shared = {queue for queues, _ in store.shared for queue, _ in queues}
    assert {"swq", "b"} <= set(store.single)
    assert not {"swq", "b"} & shared


def test_each_completion_hands_the_next_held_task_to_run() -> None:
    """The claim starts the first task, each completion the next: no extra beat."""
    store, clock = CountingStore(), FrozenClock(T0)
    fill(store, "a", 3)
    fill(store, "b", 1)
    worker = cycle(store, clock)
    worker.prefetch._shared = 4  # as after a few fast claims
    worker.prefetch._sizes["a"] = 3

    worker.process_queues(["a", "b"])

    handed = store.hints[:-1]
    assert 4 == len(store.hints)
    assert store.hints[-1] is None
    assert 3 == len(set(handed))
    assert set(handed) < {("a", "a-0"), ("a", "a-1"), ("a", "a-2"), ("b", "b-0")}
    assert [] == store.beats
    assert set() == store.queue_names(ACTIVE)


def test_a_stop_gives_back_held_tasks_to_their_own_queues() -> None:
    """Stopping after the first task defers the rest, each to its queue."""
    store, clock = CountingStore(), FrozenClock(T0)
    for name in ("a", "b", "c"):
        fill(store, name)
    worker = cycle(store, clock)
    worker.prefetch._shared = 3

    worker.process_queues(["a", "b", "c"], should_stop=lambda: bool(store.hints))

    deferred = [q for q in ("a", "b", "c") if store.count(q, SCHEDULED)]
    assert (1, 2) == (len(store.hints), len(deferred))
    assert set() == store.queue_names(ACTIVE)


def test_shared_total_grows_only_when_full_and_fast() -> None:
    """The shared total doubles on full fast claims, keeps on empty, drops on slow."""
    sizes = PrefetchSizes(10)

    sizes.record_shared([("a", 1)], [1], total=1, seconds=0.0)
    grown = sizes.shared_size()
    sizes.record_shared([("a", 1)], [0], total=grown, seconds=0.0)
    kept = sizes.shared_size()
    sizes.record_shared([("a", 2)], [1], total=kept, seconds=5.0)

    assert (2, 2, 1) == (grown, kept, sizes.shared_size())


class TakeOverExecutor(InlineExecutor):
    """While the first task runs, time passes and another worker takes the other."""

    def __init__(self, store: MemoryTaskStore, clock: FrozenClock) -> None:
        super().__init__()
        self.store, self.clock = store, clock
        self.ran: list[str] = []

    def execute(self, request: ExecutionRequest, **kwargs: Any) -> ExecutionReport:
        """Record the task; on the first one, let the other task's lease expire."""
        self.ran.append(request.tasks[0].id)
        if len(self.ran) == 1:
            self.clock.advance(100)
            other = "b" if self.ran[0] == "a-0" else "a"
            self.store.reclaim_expired(
                other, f"{other}-0", cutoff=T0 + 1, record=None, to_state=None, score=T0
            )
        return super().execute(request, **kwargs)


def test_held_task_of_another_queue_taken_over_is_not_run() -> None:
    """A held task is beaten in its own queue before it starts; lost: skipped."""
    store, clock = CountingStore(), FrozenClock(T0)
    fill(store, "a")
    fill(store, "b")
    executor = TakeOverExecutor(store, clock)
    worker = cycle(store, clock, executor=executor)
    worker.prefetch._shared = 2

    worker.process_queues(["a", "b"])

    assert 1 == len(executor.ran)
    assert 1 == len(store.hints)
    # The held task never started: recovery put it back in line, where it waits.
    assert set() == store.queue_names(ACTIVE)
    assert 1 == sum(store.count(q, QUEUED) for q in ("a", "b"))
    assert [0] == [
        task.executions_count
        for q in ("a", "b")
        for task in store.list_tasks(q, QUEUED)[1]
    ]
