"""LeaseContract: held tasks, hand-overs, idempotent claims, exact active lists.

Mixed into :class:`tests.contract.task_store.TaskStoreContract`, so every
TaskStore adapter runs it.
"""

from __future__ import annotations

import pytest

from tiger_core.errors import LeaseLost
from tiger_core.model.execution import ExecutionRecord
from tiger_core.model.state import Takeover, TaskState
from tiger_core.model.task import TaskData
from tiger_core.ports import TaskStore

T0 = 1_800_000_000.0
QUEUED, ACTIVE, ERROR = TaskState.QUEUED, TaskState.ACTIVE, TaskState.ERROR
LOST = ExecutionRecord(
    time_started=T0,
    exception_name="tasktiger.exceptions:JobTimeoutException",
    time_failed=T0 + 100,
    traceback="worker w1 stopped heartbeating",
)


def fill(store: TaskStore, *ids: str, queue: str = "q") -> None:
    """Queue ``ids`` in ``queue``, oldest first."""
    for offset, task_id in enumerate(ids):
        data = TaskData(id=task_id, func="tests.sample_tasks:add", args=[offset])
        store.enqueue(data, queue=queue, state=QUEUED, score=T0 + offset)


def claim(
    store: TaskStore,
    limit: int,
    *,
    run_first: int | None = 1,
    request_id: str | None = None,
    owner: str = "w1",
    now: float = T0 + 10,
) -> list[str]:
    """Claim up to ``limit`` ids of ``q``; the claimed ids."""
    tasks = store.claim(
        "q",
        limit=limit,
        now=now,
        owner=owner,
        busy_retry_at=T0 + 50,
        run_first=run_first,
        request_id=request_id,
    )
    return [task.id for task in tasks]


def recover(store: TaskStore, task_id: str) -> Takeover:
    """Crash recovery's take-over of ``task_id``, asking for error."""
    return store.reclaim_expired(
        "q", task_id, cutoff=T0 + 100, record=LOST, to_state=ERROR, score=T0 + 100
    )


def listed_iff_active(store: TaskStore, queue: str = "q") -> bool:
    """The queue is listed as active exactly when it has active tasks."""
    return (queue in store.queue_names(ACTIVE)) == (store.count(queue, ACTIVE) > 0)


class LeaseContract:
    """A crash never sends a task that did not start to error; claims re-send safely."""

    def test_recovery_requeues_a_held_task_with_no_record(
        self, store: TaskStore
    ) -> None:
        """The running task is taken over as asked; the held ones go back to queued."""
        fill(store, "a", "b", "c")
        assert ["a", "b", "c"] == claim(store, 3, run_first=1)

        outcomes = [recover(store, task_id) for task_id in ("a", "b", "c")]

        assert [Takeover.TAKEN_OVER, *[Takeover.REQUEUED_UNSTARTED] * 2] == outcomes
        assert 1 == store.count("q", ERROR)
        queued = store.list_tasks("q", QUEUED, executions=-1)[1]
        assert ["b", "c"] == [task.id for task in queued]
        assert [0, 0] == [task.executions_count for task in queued]
        assert [[], []] == [task.executions for task in queued]
        assert listed_iff_active(store)

    def test_a_claim_without_run_first_hands_every_task_to_run(
        self, store: TaskStore
    ) -> None:
        """``run_first=None``: every claimed task counts as started."""
        fill(store, "a", "b")
        claim(store, 2, run_first=None)

        assert [Takeover.TAKEN_OVER] * 2 == [recover(store, i) for i in "ab"]
        assert 2 == store.count("q", ERROR)

    def test_a_settle_hands_the_next_task_to_run(self, store: TaskStore) -> None:
        """``then_start`` on complete and on fail marks the next task started."""
        fill(store, "a", "b", "c", "d")
        claim(store, 4, run_first=1)

        store.complete("q", "a", owner="w1", unique=False, then_start=("q", "b"))
        store.fail(
            "q",
            "b",
            record=LOST,
            owner="w1",
            to_state=ERROR,
            score=T0 + 11,
            keep_executions=None,
            then_start=("q", "c"),
        )

        assert Takeover.TAKEN_OVER == recover(store, "c")
        assert Takeover.REQUEUED_UNSTARTED == recover(store, "d")

    def test_a_heartbeat_with_start_hands_tasks_to_run(self, store: TaskStore) -> None:
        """``heartbeat(start=True)`` marks the tasks started; a plain one does not."""
        fill(store, "a", "b", "c")
        claim(store, 3, run_first=0)

        assert [] == store.heartbeat("q", ["a"], now=T0 + 20, owner="w1", start=True)
        assert [] == store.heartbeat("q", ["b"], now=T0 + 20, owner="w1")

        outcomes = [recover(store, i) for i in "abc"]
        assert [Takeover.TAKEN_OVER, *[Takeover.REQUEUED_UNSTARTED] * 2] == outcomes

    def test_a_then_start_of_a_task_not_held_changes_nothing(
        self, store: TaskStore
    ) -> None:
        """Only the settling owner's own held task is handed to run."""
        fill(store, "a")
        fill(store, "x", queue="other")
        claim(store, 1)
        store.claim("other", limit=1, now=T0 + 10, owner="w2", busy_retry_at=T0)

        store.complete("q", "a", owner="w1", unique=False, then_start=("other", "x"))

        taken = store.reclaim_expired(
            "other", "x", cutoff=T0 + 100, record=LOST, to_state=ERROR, score=T0
        )
        assert Takeover.TAKEN_OVER == taken  # w2's claim marked it started itself

    def test_a_repeated_request_id_returns_the_first_answer(
        self, store: TaskStore
    ) -> None:
        """A re-sent claim claims nothing more; a new request id claims on."""
        fill(store, "a", "b", "c")

        first = claim(store, 2, request_id="r1")
        again = claim(store, 2, request_id="r1")
        other_owner = claim(store, 1, request_id="r1", owner="w2")
        following = claim(store, 2, request_id="r2")

        assert (["a", "b"], ["a", "b"]) == (first, again)
        assert (["c"], []) == (other_owner, following)
        assert (0, 3) == (store.count("q", QUEUED), store.count("q", ACTIVE))

    def test_a_repeated_request_id_after_an_empty_claim_claims(
        self, store: TaskStore
    ) -> None:
        """An empty answer is not kept: nothing was taken, so a re-send may take."""
        assert [] == claim(store, 1, request_id="r1")
        fill(store, "a")

        assert ["a"] == claim(store, 1, request_id="r1")

    def test_a_re_claim_fences_the_first_owner(self, store: TaskStore) -> None:
        """Once the id is claimed again, the first owner's settles are refused."""
        fill(store, "a")
        claim(store, 1, owner="w1")
        store.reclaim_expired(
            "q", "a", cutoff=T0 + 100, record=None, to_state=QUEUED, score=T0 + 100
        )
        claim(store, 1, owner="w2", now=T0 + 200)

        assert ["a"] == store.heartbeat("q", ["a"], now=T0 + 201, owner="w1")
        with pytest.raises(LeaseLost):
            store.complete("q", "a", owner="w1", unique=False)
        store.complete("q", "a", owner="w2", unique=False)
        assert (0, set()) == (store.count("q", ACTIVE), store.queue_names(ACTIVE))

    def test_active_list_stays_exact_when_a_held_task_is_taken_over(
        self, store: TaskStore
    ) -> None:
        """Completing the last active task unlists the queue, held or not."""
        fill(store, "a", "b")
        claim(store, 2)
        recover(store, "b")  # held: back to queued

        store.complete("q", "a", owner="w1", unique=False, then_start=("q", "b"))

        assert listed_iff_active(store)
        assert (0, 1) == (store.count("q", ACTIVE), store.count("q", QUEUED))

    def test_sweep_leases_keeps_current_leases(self, store: TaskStore) -> None:
        """A sweep drops nothing that still matches an active claim."""
        fill(store, "a", "b")
        claim(store, 2)

        assert 0 == store.sweep_leases("q", limit=100)
        store.complete("q", "a", owner="w1", unique=False)
        assert [] == store.heartbeat("q", ["b"], now=T0 + 30, owner="w1")

    def test_the_last_settle_of_a_claim_drops_its_answer(
        self, store: TaskStore
    ) -> None:
        """After ``claim_done`` a request id answers nothing kept: it claims anew."""
        fill(store, "a", "b")
        assert ["a"] == claim(store, 1, request_id="r1")

        store.complete("q", "a", owner="w1", unique=False, claim_done=True)

        assert ["b"] == claim(store, 1, request_id="r1")
