"""RuntimeContract: expiry recovery, periodic queueing, rate limits, announcements.

Mixed into :class:`tests.contract.task_store.TaskStoreContract`, so every
TaskStore adapter runs it.
"""

from __future__ import annotations

from tiger_core.errors import LeaseLost
from tiger_core.model.execution import ExecutionRecord
from tiger_core.model.state import TaskState
from tiger_core.model.task import TaskData
from tiger_core.ports import TaskStore

T0 = 1_800_000_000.0
QUEUED, ACTIVE, SCHEDULED, ERROR = (
    TaskState.QUEUED,
    TaskState.ACTIVE,
    TaskState.SCHEDULED,
    TaskState.ERROR,
)
LOST = ExecutionRecord(
    time_started=T0,
    exception_name="tasktiger.exceptions:JobTimeoutException",
    time_failed=T0 + 100,
    traceback="worker w1 stopped heartbeating",
)


def _claimed(
    store: TaskStore, task_id: str, *, owner: str = "w1", **fields: object
) -> None:
    data = TaskData.model_validate(
        {"id": task_id, "func": "tests.sample_tasks:add", **fields}
    )
    store.enqueue(data, queue="q", state=QUEUED, score=T0)
    store.claim("q", limit=1, now=T0, owner=owner, busy_retry_at=T0 + 1)


def _periodic(task_id: str = "p") -> TaskData:
    return TaskData(id=task_id, func="tests.sample_tasks:add", unique=True)


class RuntimeContract:
    """Tests of the worker-runtime store operations that every adapter must pass."""

    def test_expired_lists_stale_heartbeats_with_owner(self, store: TaskStore) -> None:
        """Only tasks whose heartbeat is at or before the cutoff are listed."""
        _claimed(store, "old")
        store.enqueue(TaskData(id="new", func="m:f"), queue="q", state=QUEUED, score=T0)
        store.claim("q", limit=1, now=T0 + 50, owner="w2", busy_retry_at=T0)

        expired = store.expired("q", cutoff=T0 + 10, limit=10)

        assert [("old", "w1", T0)] == [(t.id, t.owner, t.score) for t in expired]

    def test_reclaim_requeues_and_fences_the_old_owner(self, store: TaskStore) -> None:
        """A reclaimed task is queued with its record; the old owner has lost it."""
        _claimed(store, "a")

        taken = store.reclaim_expired(
            "q", "a", cutoff=T0 + 10, record=LOST, to_state=QUEUED, score=T0 + 100
        )

        loaded = store.get("q", QUEUED, "a", executions=-1)
        assert taken
        assert (1, LOST.exception_name) == (
            loaded.executions_count,
            loaded.executions[0]["exception_name"],
        )
        assert 0 == store.count("q", ACTIVE)
        try:
            store.complete("q", "a", owner="w1")
        except LeaseLost:
            pass
        else:
            raise AssertionError("the old owner completed a reclaimed task")

    def test_late_heartbeat_wins_over_reclaim(self, store: TaskStore) -> None:
        """A task whose heartbeat moved past the cutoff is left alone."""
        _claimed(store, "a")
        store.heartbeat("q", ["a"], now=T0 + 20, owner="w1")

        taken = store.reclaim_expired(
            "q", "a", cutoff=T0 + 10, record=LOST, to_state=QUEUED, score=T0 + 100
        )

        assert not taken
        assert (1, 0) == (store.count("q", ACTIVE), store.count("q", QUEUED))

    def test_reclaim_to_error_and_delete(self, store: TaskStore) -> None:
        """Reclaiming can fail the task for good or delete it."""
        _claimed(store, "a")
        _claimed(store, "b")

        store.reclaim_expired(
            "q", "a", cutoff=T0, record=LOST, to_state=ERROR, score=T0 + 100
        )
        store.reclaim_expired("q", "b", cutoff=T0, record=None, to_state=None, score=0)

        assert (1, 0, {"q"}) == (
            store.count("q", ERROR),
            store.count("q", ACTIVE),
            store.queue_names(ERROR),
        )
        assert set() == store.queue_names(ACTIVE)

    def test_queue_periodic_schedules_once(self, store: TaskStore) -> None:
        """A second attempt to queue the same period changes nothing."""
        first = store.queue_periodic(_periodic(), queue="q", when=T0 + 60, owner=None)
        second = store.queue_periodic(_periodic(), queue="q", when=T0 + 120, owner=None)

        loaded = store.get("q", SCHEDULED, "p")
        assert (True, False, T0 + 60) == (first, second, loaded.score)

    def test_queue_periodic_while_active(self, store: TaskStore) -> None:
        """An active periodic task blocks others, not its owner."""
        store.enqueue(_periodic(), queue="q", state=QUEUED, score=T0)
        store.claim("q", limit=1, now=T0, owner="w1", busy_retry_at=T0 + 1)

        other = store.queue_periodic(_periodic(), queue="q", when=T0 + 60, owner="w2")
        nobody = store.queue_periodic(_periodic(), queue="q", when=T0 + 60, owner=None)
        mine = store.queue_periodic(_periodic(), queue="q", when=T0 + 60, owner="w1")

        assert (False, False, True) == (other, nobody, mine)
        assert (1, 1) == (store.count("q", ACTIVE), store.count("q", SCHEDULED))

    def test_queue_periodic_skips_a_queued_task(self, store: TaskStore) -> None:
        """A periodic task that is queued is not scheduled again."""
        store.enqueue(_periodic(), queue="q", state=QUEUED, score=T0)

        scheduled = store.queue_periodic(_periodic(), queue="q", when=T0, owner=None)

        assert not scheduled
        assert 0 == store.count("q", SCHEDULED)

    def test_throttle_is_exclusive_until_released(self, store: TaskStore) -> None:
        """A held rate limit refuses others until it is released."""
        first = store.throttle("scan", interval=30, now=T0)
        second = store.throttle("scan", interval=30, now=T0 + 1)
        store.release_throttle("scan")
        third = store.throttle("scan", interval=30, now=T0 + 2)

        assert (True, False, True) == (first, second, third)

    def test_throttle_with_no_interval_always_passes(self, store: TaskStore) -> None:
        """An interval of 0 means no rate limit."""
        results = [store.throttle("x", interval=0, now=T0) for _ in range(2)]

        assert [True, True] == results

    def test_work_signal_announces_queued_work(self, store: TaskStore) -> None:
        """Queueing a task wakes a subscriber with the queue name."""
        signal = store.work_signal()
        try:
            store.enqueue(
                TaskData(id="a", func="m:f"), queue="q", state=QUEUED, score=T0
            )
            store.enqueue(
                TaskData(id="b", func="m:f"), queue="later", state=SCHEDULED, score=T0
            )

            announced = signal.wait(5.0)
        finally:
            signal.close()

        assert {"q"} == announced

    def test_work_signal_times_out_empty(self, store: TaskStore) -> None:
        """With nothing announced the wait ends empty."""
        signal = store.work_signal()
        try:
            announced = signal.wait(0.05)
        finally:
            signal.close()

        assert set() == announced
