"""TaskStore contract: claims over several queues."""

from __future__ import annotations

from tiger_core.model.state import TaskState
from tiger_core.model.task import TaskData
from tiger_core.ports import TaskStore

QUEUED, ACTIVE, SCHEDULED = TaskState.QUEUED, TaskState.ACTIVE, TaskState.SCHEDULED
T0 = 1_800_000_000.0


def fill(store: TaskStore, queue: str, *ids: str, unique: bool = False) -> None:
    """Queue ``ids`` in ``queue``, oldest first."""
    for offset, task_id in enumerate(ids):
        data = TaskData(
            id=task_id, func="tests.sample_tasks:add", args=[offset], unique=unique
        )
        store.enqueue(data, queue=queue, state=QUEUED, score=T0 + offset)


def claim_queues(
    store: TaskStore, *queues: tuple[str, int], limit: int, owner: str = "w1"
) -> list[list[str]]:
    """Claim over ``queues`` for ``owner``; the claimed ids of each visited queue."""
    visited = store.claim_queues(
        queues, limit=limit, now=T0 + 10, owner=owner, busy_retry_at=T0 + 20
    )
    return [[task.id for task in tasks] for tasks in visited]


class ClaimQueuesContract:
    """``claim_queues``: one claim over several queues."""

    def test_claim_queues_visits_in_order_up_to_each_limit(
        self, store: TaskStore
    ) -> None:
        """Each queue gives its oldest ids up to its own limit, in the order given."""
        fill(store, "a", "a1", "a2", "a3")
        fill(store, "b", "b1", "b2")

        visited = claim_queues(store, ("b", 1), ("a", 2), limit=10)

        assert [["b1"], ["a1", "a2"]] == visited
        assert (1, 1) == (store.count("a", QUEUED), store.count("b", QUEUED))
        assert (2, 1) == (store.count("a", ACTIVE), store.count("b", ACTIVE))

    def test_claim_queues_stops_at_the_total(self, store: TaskStore) -> None:
        """Once ``limit`` ids are claimed, the queues after are not visited."""
        fill(store, "a", "a1", "a2")
        fill(store, "b", "b1", "b2")
        fill(store, "c", "c1")

        visited = claim_queues(store, ("a", 2), ("b", 2), ("c", 1), limit=3)

        assert [["a1", "a2"], ["b1"]] == visited
        assert (1, 1) == (store.count("b", QUEUED), store.count("c", QUEUED))
        assert "c" in store.queue_names(QUEUED)

    def test_claim_queues_reports_empty_queues_it_visited(
        self, store: TaskStore
    ) -> None:
        """A visited queue without tasks gives an empty list; the visit goes on."""
        fill(store, "b", "b1")

        visited = claim_queues(store, ("a", 1), ("none", 3), ("b", 1), limit=2)

        assert [[], [], ["b1"]] == visited

    def test_claimed_tasks_carry_queue_payload_and_owner(
        self, store: TaskStore
    ) -> None:
        """Each task names its own queue and payload, held by the claiming owner."""
        fill(store, "a", "x")
        fill(store, "b", "y")

        visited = store.claim_queues(
            [("a", 1), ("b", 1)], limit=2, now=T0 + 10, owner="w1", busy_retry_at=T0
        )

        [[x], [y]] = visited
        assert x.data is not None
        assert ("a", "b", ACTIVE, T0 + 10) == (x.queue, y.queue, y.state, y.score)
        assert (x.id, [0], 0) == (x.data.id, x.data.args, x.executions_count)
        assert [] == store.heartbeat("b", ["y"], now=T0 + 11, owner="w1")
        assert ["x"] == store.heartbeat("a", ["x"], now=T0 + 11, owner="w2")

    def test_claim_queues_defers_a_busy_unique_twin(self, store: TaskStore) -> None:
        """A twin of an active id goes to scheduled and does not count as claimed."""
        fill(store, "a", "u", unique=True)
        claim_queues(store, ("a", 1), limit=1)
        fill(store, "a", "u", "a2", unique=True)  # the twin first, then a2
        fill(store, "b", "b1")

        visited = claim_queues(store, ("a", 2), ("b", 1), limit=2, owner="w2")

        assert [["a2"], ["b1"]] == visited
        assert T0 + 20 == store.get("a", SCHEDULED, "u").score
        assert {"a", "b"} <= store.queue_names(ACTIVE)

    def test_queue_leaves_queued_index_only_once_emptied(
        self, store: TaskStore
    ) -> None:
        """A claim that takes a queue's last id drops it from the queued index."""
        fill(store, "full", "f1", "f2")
        fill(store, "more", "m1", "m2", "m3")

        claim_queues(store, ("full", 2), ("more", 2), limit=4)

        assert {"more"} == store.queue_names(QUEUED)

    def test_claim_queues_with_nothing_to_take(self, store: TaskStore) -> None:
        """A zero total or no queues claims nothing and visits nothing."""
        fill(store, "a", "a1")

        assert [] == claim_queues(store, ("a", 1), limit=0)
        assert [] == claim_queues(store, limit=3)
        assert 1 == store.count("a", QUEUED)
