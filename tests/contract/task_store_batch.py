"""TaskStore contract: bulk enqueue, multi-task claims and the unique hint."""

from __future__ import annotations

from typing import Any

import pytest

from tiger_core.errors import PayloadTooLarge, TaskNotFound
from tiger_core.model.batch import NewTask
from tiger_core.model.state import TaskState
from tiger_core.model.task import TaskData
from tiger_core.ports import TaskStore

QUEUED, ACTIVE, SCHEDULED = TaskState.QUEUED, TaskState.ACTIVE, TaskState.SCHEDULED
T0 = 1_800_000_000.0


def new(task_id: str, score: float = T0, **options: Any) -> NewTask:
    """A NewTask for ``tests.sample_tasks:add`` in queue ``q``."""
    fields = {k: options.pop(k) for k in ("unique", "args") if k in options}
    data = TaskData(id=task_id, func="tests.sample_tasks:add", **fields)
    return NewTask(
        data, options.get("queue", "q"), options.get("state", QUEUED), score,
        options.get("max_queue_size"),
    )  # fmt: skip


class BatchContract:
    """Bulk enqueue, claims of several tasks and ``complete(unique=...)``."""

    def test_enqueue_many_writes_every_task_in_order(self, store: TaskStore) -> None:
        """Every task of a bulk enqueue is queued, in the order given."""
        tasks = [new("a", T0), new("b", T0 + 1), new("c", T0 + 2, state=SCHEDULED)]

        written = store.enqueue_many(tasks)

        assert [True, True, True] == written
        _, queued = store.list_tasks("q", QUEUED)
        assert ["a", "b"] == [t.id for t in queued]
        assert T0 + 2 == store.get("q", SCHEDULED, "c").score

    def test_enqueue_many_counts_earlier_tasks_for_max_queue_size(
        self, store: TaskStore
    ) -> None:
        """A task of the batch beyond its max_queue_size alone is refused."""
        tasks = [new(i, T0, max_queue_size=2) for i in ("a", "b", "c")]

        written = store.enqueue_many(tasks)

        assert [True, True, False] == written
        assert 2 == store.count("q", QUEUED)
        with pytest.raises(TaskNotFound):
            store.get("q", QUEUED, "c")

    def test_enqueue_many_refuses_a_bad_state_before_any_write(
        self, store: TaskStore
    ) -> None:
        """A task aimed at active makes the whole call fail with nothing written."""
        tasks = [new("a"), new("b", state=ACTIVE)]

        with pytest.raises(ValueError, match="cannot enqueue"):
            store.enqueue_many(tasks)

        assert 0 == store.count("q", QUEUED)

    def test_enqueue_many_refuses_a_large_payload_before_any_write(
        self, store: TaskStore
    ) -> None:
        """One payload over max_payload_bytes makes the whole call fail."""
        tasks = [new("a"), new("b", args=["x" * 2000])]

        with pytest.raises(PayloadTooLarge):
            store.enqueue_many(tasks, max_payload_bytes=1000)

        assert 0 == store.count("q", QUEUED)

    def test_enqueue_many_keeps_the_score_of_a_unique_twin(
        self, store: TaskStore
    ) -> None:
        """A unique id already queued keeps its place in line."""
        store.enqueue_many([new("u", T0, unique=True)])

        store.enqueue_many([new("u", T0 + 5, unique=True, args=[2])])

        loaded = store.get("q", QUEUED, "u")
        assert (T0, [2]) == (loaded.score, loaded.data.args if loaded.data else None)

    def test_enqueue_many_of_nothing_writes_nothing(self, store: TaskStore) -> None:
        """An empty bulk enqueue returns an empty list."""
        assert [] == store.enqueue_many([])

    def test_claim_takes_several_oldest_tasks(self, store: TaskStore) -> None:
        """A claim with limit 3 takes the 3 oldest ids and leaves the rest queued."""
        store.enqueue_many([new(i, T0 + n) for n, i in enumerate("abcde")])

        claimed = store.claim("q", limit=3, now=T0 + 9, owner="w", busy_retry_at=T0)

        assert ["a", "b", "c"] == [t.id for t in claimed]
        assert (3, 2) == (store.count("q", ACTIVE), store.count("q", QUEUED))
        assert "q" in store.queue_names(QUEUED)

    def test_claim_of_the_whole_queue_leaves_the_queued_set(
        self, store: TaskStore
    ) -> None:
        """Claiming the last queued ids removes the queue from the queued set."""
        store.enqueue_many([new("a"), new("b", T0 + 1)])

        claimed = store.claim("q", limit=5, now=T0 + 9, owner="w", busy_retry_at=T0)

        assert ["a", "b"] == [t.id for t in claimed]
        assert "q" not in store.queue_names(QUEUED)
        assert "q" in store.queue_names(ACTIVE)

    def test_complete_with_unique_false_deletes_the_payload(
        self, store: TaskStore
    ) -> None:
        """The unique hint False removes a non-unique task entirely."""
        store.enqueue_many([new("a")])
        store.claim("q", limit=1, now=T0, owner="w", busy_retry_at=T0)

        store.complete("q", "a", owner="w", unique=False)

        assert 0 == store.count("q", ACTIVE)
        assert set() == store.queue_names(ACTIVE)

    def test_complete_with_unique_true_keeps_a_queued_twin(
        self, store: TaskStore
    ) -> None:
        """The unique hint True keeps the payload of a queued twin."""
        store.enqueue_many([new("u", unique=True)])
        store.claim("q", limit=1, now=T0, owner="w", busy_retry_at=T0)
        store.enqueue_many([new("u", unique=True, args=[7])])

        store.complete("q", "u", owner="w", unique=True)

        loaded = store.get("q", QUEUED, "u")
        assert [7] == (loaded.data.args if loaded.data else None)
