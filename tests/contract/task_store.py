"""TaskStoreContract: the behaviour every TaskStore adapter must have.

Concrete test classes subclass it and provide a ``store`` fixture. Behaviour is
asserted through the port alone; key-level checks live in the Redis script tests.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.contract.task_store_batch import BatchContract
from tests.contract.task_store_claims import ClaimQueuesContract
from tests.contract.task_store_defer import DeferContract
from tests.contract.task_store_leases import LeaseContract
from tests.contract.task_store_limits import TaskStoreLimitsContract
from tests.contract.task_store_runtime import RuntimeContract
from tiger_core.errors import LeaseLost, TaskNotFound
from tiger_core.model.execution import ExecutionRecord
from tiger_core.model.state import TaskState
from tiger_core.model.task import TaskData
from tiger_core.ports import TaskStore

QUEUED, ACTIVE, SCHEDULED, ERROR = (
    TaskState.QUEUED,
    TaskState.ACTIVE,
    TaskState.SCHEDULED,
    TaskState.ERROR,
)
T0 = 1_800_000_000.0


def task(task_id: str, **fields: Any) -> TaskData:
    """Build a payload for the sample function ``tests.sample_tasks:add``."""
    return TaskData(id=task_id, func="tests.sample_tasks:add", **fields)


def record(name: str = "builtins:ValueError") -> ExecutionRecord:
    """Build a failure record."""
    return ExecutionRecord(
        time_started=T0, exception_name=name, time_failed=T0 + 1, host="h"
    )


def claim(
    store: TaskStore, queue: str = "q", *, limit: int = 1, now: float = T0
) -> list[str]:
    """Claim for owner ``w1`` and return the claimed ids."""
    claimed = store.claim(
        queue, limit=limit, now=now, owner="w1", busy_retry_at=now + 1
    )
    return [t.id for t in claimed]


class TaskStoreContract(
    DeferContract,
    RuntimeContract,
    TaskStoreLimitsContract,
    BatchContract,
    ClaimQueuesContract,
    LeaseContract,
):
    """Tests that every TaskStore adapter must pass."""

    def test_enqueue_makes_the_task_visible(self, store: TaskStore) -> None:
        """A queued task is counted, listed by queue name and readable."""
        store.enqueue(task("a", args=[1, 2]), queue="q", state=QUEUED, score=T0)

        loaded = store.get("q", QUEUED, "a")
        assert (1, {"q"}) == (store.count("q", QUEUED), store.queue_names(QUEUED))
        assert loaded.data is not None
        assert ([1, 2], T0) == (loaded.data.args, loaded.score)

    def test_enqueue_rejects_other_states(self, store: TaskStore) -> None:
        """Only queued and scheduled are entry states."""
        with pytest.raises(ValueError, match="active"):
            store.enqueue(task("a"), queue="q", state=ACTIVE, score=T0)

    def test_claim_takes_oldest_first_up_to_limit(self, store: TaskStore) -> None:
        """Claiming is FIFO by score and honours the limit."""
        for offset, task_id in enumerate(["c", "a", "b"]):
            store.enqueue(task(task_id), queue="q", state=QUEUED, score=T0 + offset)

        first = claim(store, limit=2)
        second = claim(store, limit=2)

        assert (["c", "a"], ["b"]) == (first, second)
        assert (3, 0) == (store.count("q", ACTIVE), store.count("q", QUEUED))

    def test_claim_returns_payload_and_executions_count(self, store: TaskStore) -> None:
        """A claimed task carries its payload and failure count."""
        store.enqueue(task("a", kwargs={"x": 1}), queue="q", state=QUEUED, score=T0)

        (claimed,) = store.claim("q", limit=5, now=T0, owner="w1", busy_retry_at=T0)

        assert claimed.data is not None
        assert ({"x": 1}, 0, ACTIVE) == (
            claimed.data.kwargs,
            claimed.executions_count,
            claimed.state,
        )

    def test_claim_of_empty_queue_returns_nothing(self, store: TaskStore) -> None:
        """An empty or unknown queue gives no tasks."""
        assert [] == claim(store, "nothing")

    def test_queue_name_disappears_when_state_empties(self, store: TaskStore) -> None:
        """A queue leaves a state's index once its last task has left."""
        store.enqueue(task("a"), queue="q", state=QUEUED, score=T0)

        claim(store)

        assert (set(), {"q"}) == (store.queue_names(QUEUED), store.queue_names(ACTIVE))

    def test_unique_enqueue_keeps_place_and_replaces_payload(
        self, store: TaskStore
    ) -> None:
        """Re-queueing a unique task keeps its score and takes the newest payload."""
        store.enqueue(
            task("u", unique=True, args=[1]), queue="q", state=QUEUED, score=T0
        )
        store.enqueue(
            task("u", unique=True, args=[2]), queue="q", state=QUEUED, score=T0 + 5
        )

        loaded = store.get("q", QUEUED, "u")

        assert loaded.data is not None
        assert (1, T0, [2]) == (
            store.count("q", QUEUED),
            loaded.score,
            loaded.data.args,
        )

    def test_unique_twin_of_active_task_is_deferred(self, store: TaskStore) -> None:
        """Claiming an id that is already active schedules it instead of running it."""
        store.enqueue(task("u", unique=True), queue="q", state=QUEUED, score=T0)
        claim(store)
        store.enqueue(task("u", unique=True), queue="q", state=QUEUED, score=T0 + 1)

        second = store.claim("q", limit=1, now=T0 + 2, owner="w2", busy_retry_at=T0 + 3)

        assert [] == second
        assert T0 + 3 == store.get("q", SCHEDULED, "u").score
        assert 1 == store.count("q", ACTIVE)

    def test_complete_removes_everything(self, store: TaskStore) -> None:
        """A completed task is gone from every state."""
        store.enqueue(task("a"), queue="q", state=QUEUED, score=T0)
        claim(store)

        store.complete("q", "a", owner="w1")

        assert 0 == store.count("q", ACTIVE)
        assert set() == store.queue_names(ACTIVE)
        with pytest.raises(TaskNotFound):
            store.get("q", ACTIVE, "a")

    def test_complete_keeps_payload_of_a_queued_unique_twin(
        self, store: TaskStore
    ) -> None:
        """Completing a unique task leaves its queued twin runnable."""
        store.enqueue(task("u", unique=True), queue="q", state=QUEUED, score=T0)
        claim(store)
        store.enqueue(
            task("u", unique=True, args=[9]), queue="q", state=QUEUED, score=T0
        )

        store.complete("q", "u", owner="w1")

        loaded = store.get("q", QUEUED, "u")
        assert loaded.data is not None
        assert [9] == loaded.data.args

    def test_complete_by_another_owner_is_refused(self, store: TaskStore) -> None:
        """Only the owner of an active task may complete it."""
        store.enqueue(task("a"), queue="q", state=QUEUED, score=T0)
        claim(store)

        with pytest.raises(LeaseLost):
            store.complete("q", "a", owner="intruder")

        assert 1 == store.count("q", ACTIVE)

    def test_complete_of_a_task_not_active_is_refused(self, store: TaskStore) -> None:
        """Completing a task that is not active changes nothing."""
        store.enqueue(task("a"), queue="q", state=QUEUED, score=T0)

        with pytest.raises(LeaseLost):
            store.complete("q", "a", owner="w1")

        assert 1 == store.count("q", QUEUED)

    def test_fail_to_error_keeps_the_record(self, store: TaskStore) -> None:
        """A permanent failure lands in error with its execution record."""
        store.enqueue(task("a"), queue="q", state=QUEUED, score=T0)
        claim(store)

        store.fail(
            "q",
            "a",
            record=record(),
            owner="w1",
            to_state=ERROR,
            score=T0 + 2,
            keep_executions=None,
        )

        loaded = store.get("q", ERROR, "a", executions=-1)
        assert (T0 + 2, 1) == (loaded.score, loaded.executions_count)
        assert ["builtins:ValueError"] == [
            e["exception_name"] for e in loaded.executions
        ]
        assert (0, {"q"}) == (store.count("q", ACTIVE), store.queue_names(ERROR))

    def test_fail_to_scheduled_counts_attempts(self, store: TaskStore) -> None:
        """A retried task is scheduled and its failure count grows across claims."""
        store.enqueue(task("a"), queue="q", state=QUEUED, score=T0)
        claim(store)
        store.fail(
            "q",
            "a",
            record=record(),
            owner="w1",
            to_state=SCHEDULED,
            score=T0 + 10,
            keep_executions=None,
        )

        promoted_early = store.promote_due("q", now=T0 + 9, limit=10)
        promoted = store.promote_due("q", now=T0 + 10, limit=10)
        (again,) = store.claim("q", limit=1, now=T0 + 11, owner="w2", busy_retry_at=T0)

        assert (0, 1, 1) == (promoted_early, promoted, again.executions_count)

    def test_fail_without_state_deletes(self, store: TaskStore) -> None:
        """A failure with no destination removes the task and its records."""
        store.enqueue(task("a"), queue="q", state=QUEUED, score=T0)
        claim(store)

        store.fail(
            "q",
            "a",
            record=record(),
            owner="w1",
            to_state=None,
            score=T0,
            keep_executions=None,
        )

        assert all(store.count("q", s) == 0 for s in TaskState)

    def test_fail_trims_executions(self, store: TaskStore) -> None:
        """Only the newest ``keep_executions`` records are kept; the count is total."""
        store.enqueue(task("a"), queue="q", state=QUEUED, score=T0)
        for attempt in range(3):
            store.promote_due("q", now=T0 + attempt, limit=1)
            claim(store, now=T0 + attempt)
            store.fail(
                "q",
                "a",
                record=record(f"m:E{attempt}"),
                owner="w1",
                to_state=SCHEDULED,
                score=T0 + attempt,
                keep_executions=2,
            )

        loaded = store.get("q", SCHEDULED, "a", executions=-1)

        assert ["m:E1", "m:E2"] == [e["exception_name"] for e in loaded.executions]
        assert 3 == loaded.executions_count

    def test_fail_by_another_owner_is_refused(self, store: TaskStore) -> None:
        """A worker that lost a task cannot record a failure for it."""
        store.enqueue(task("a"), queue="q", state=QUEUED, score=T0)
        claim(store)

        with pytest.raises(LeaseLost):
            store.fail(
                "q",
                "a",
                record=record(),
                owner="w2",
                to_state=ERROR,
                score=T0,
                keep_executions=None,
            )

        assert (1, 0) == (store.count("q", ACTIVE), store.count("q", ERROR))

    def test_heartbeat_renews_only_owned_tasks(self, store: TaskStore) -> None:
        """A heartbeat moves the owner's scores and reports tasks it lost."""
        store.enqueue(task("a"), queue="q", state=QUEUED, score=T0)
        claim(store)

        lost_by_owner = store.heartbeat("q", ["a", "gone"], now=T0 + 30, owner="w1")
        lost_by_other = store.heartbeat("q", ["a"], now=T0 + 60, owner="w2")

        assert (["gone"], ["a"]) == (lost_by_owner, lost_by_other)
        assert T0 + 30 == store.get("q", ACTIVE, "a").score

    def test_heartbeat_never_readds_a_task(self, store: TaskStore) -> None:
        """A heartbeat for a finished task does not bring it back."""
        store.enqueue(task("a"), queue="q", state=QUEUED, score=T0)
        claim(store)
        store.complete("q", "a", owner="w1")

        lost = store.heartbeat("q", ["a"], now=T0 + 1, owner="w1")

        assert (["a"], 0) == (lost, store.count("q", ACTIVE))

    def test_move_error_to_queued_and_delete(self, store: TaskStore) -> None:
        """Admin moves retry an errored task and delete another one."""
        for task_id in ("a", "b"):
            store.enqueue(task(task_id), queue="q", state=QUEUED, score=T0)
        for task_id in claim(store, limit=2):
            store.fail(
                "q",
                task_id,
                record=record(),
                owner="w1",
                to_state=ERROR,
                score=T0,
                keep_executions=None,
            )

        store.move("q", "a", from_state=ERROR, to_state=QUEUED, score=T0 + 1)
        store.move("q", "b", from_state=ERROR, to_state=None, score=T0 + 1)

        assert (1, 0) == (store.count("q", QUEUED), store.count("q", ERROR))
        assert set() == store.queue_names(ERROR)
        with pytest.raises(TaskNotFound):
            store.get("q", ERROR, "b")

    def test_move_from_wrong_state_raises(self, store: TaskStore) -> None:
        """Moving a task that is not in ``from_state`` names the task and state."""
        store.enqueue(task("a"), queue="q", state=QUEUED, score=T0)

        with pytest.raises(
            TaskNotFound, match='Task a not found in queue "q" in state "error"'
        ):
            store.move("q", "a", from_state=ERROR, to_state=QUEUED, score=T0)

    def test_promote_due_respects_time_and_limit(self, store: TaskStore) -> None:
        """Only due tasks are promoted, at most ``limit`` of them, earliest first."""
        for offset, task_id in enumerate(["a", "b", "c"]):
            store.enqueue(task(task_id), queue="q", state=SCHEDULED, score=T0 + offset)

        moved = store.promote_due("q", now=T0 + 1, limit=1)
        moved_more = store.promote_due("q", now=T0 + 1, limit=10)

        assert (1, 1) == (moved, moved_more)
        assert ["a", "b"] == claim(store, limit=5, now=T0 + 2)
        assert 1 == store.count("q", SCHEDULED)

    def test_promote_drops_scheduled_copy_of_queued_task(
        self, store: TaskStore
    ) -> None:
        """A due id that is already queued just leaves scheduled."""
        store.enqueue(task("u", unique=True), queue="q", state=QUEUED, score=T0)
        store.enqueue(task("u", unique=True), queue="q", state=SCHEDULED, score=T0 + 1)

        moved = store.promote_due("q", now=T0 + 2, limit=10)

        assert (0, 1, 0) == (
            moved,
            store.count("q", QUEUED),
            store.count("q", SCHEDULED),
        )
        assert T0 == store.get("q", QUEUED, "u").score

    def test_list_tasks_pages_newest_after_skip_in_ascending_order(
        self, store: TaskStore
    ) -> None:
        """Listing follows TaskTiger: newest ``limit`` after ``skip``, ascending."""
        for offset in range(5):
            store.enqueue(
                task(f"t{offset}"), queue="q", state=QUEUED, score=T0 + offset
            )

        total, page = store.list_tasks("q", QUEUED, skip=1, limit=2)

        assert (5, ["t2", "t3"]) == (total, [t.id for t in page])

    def test_get_of_unknown_task_raises(self, store: TaskStore) -> None:
        """Reading a task that is not there raises TaskNotFound."""
        with pytest.raises(TaskNotFound):
            store.get("q", QUEUED, "nope")

    def test_tasks_are_isolated_by_queue(self, store: TaskStore) -> None:
        """Queues and subqueues are independent."""
        store.enqueue(task("a"), queue="q", state=QUEUED, score=T0)
        store.enqueue(task("b"), queue="q.sub", state=QUEUED, score=T0)

        assert (["b"], ["a"]) == (claim(store, "q.sub"), claim(store, "q"))
        assert {"q", "q.sub"} == store.queue_names(ACTIVE)
