"""Contract tests of ``max_queue_size`` and ``update_scheduled_time`` (every store).

Mixed into :class:`tests.contract.task_store.TaskStoreContract`, so every adapter
that runs the store contract runs these too.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tiger_core.errors import PayloadTooLarge, QueueFullException, TaskNotFound
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


def _task(task_id: str, **fields: Any) -> TaskData:
    return TaskData(id=task_id, func="tests.sample_tasks:add", **fields)


def _fill(store: TaskStore) -> None:
    """Put one task in each of queued, scheduled and active of queue ``q``."""
    for name in ("a", "b", "c"):
        store.enqueue(_task(name), queue="q", state=QUEUED, score=T0)
    store.claim("q", limit=1, now=T0, owner="w1", busy_retry_at=T0 + 1)
    store.enqueue(_task("s"), queue="q", state=SCHEDULED, score=T0 + 50)
    store.move("q", "c", from_state=QUEUED, to_state=ERROR, score=T0)


class TaskStoreLimitsContract:
    """Queue-size limits and rescheduling, on every TaskStore."""

    def test_enqueue_under_the_limit_is_written(self, store: TaskStore) -> None:
        """A queue holding fewer than ``max_queue_size`` tasks accepts one more."""
        _fill(store)

        store.enqueue(_task("d"), queue="q", state=QUEUED, score=T0, max_queue_size=4)

        assert 2 == store.count("q", QUEUED)

    def test_enqueue_at_the_limit_raises_and_writes_nothing(
        self, store: TaskStore
    ) -> None:
        """Queued, scheduled and active count (not error); a full queue refuses."""
        _fill(store)

        with pytest.raises(QueueFullException, match="max_queue_size is 3"):
            store.enqueue(
                _task("d"), queue="q", state=SCHEDULED, score=T0, max_queue_size=3
            )

        assert (1, 1) == (store.count("q", QUEUED), store.count("q", SCHEDULED))
        with pytest.raises(TaskNotFound):
            store.get("q", SCHEDULED, "d")

    def test_limit_applies_to_a_requeued_unique_task(self, store: TaskStore) -> None:
        """Re-queueing an already queued unique task is refused when full too."""
        store.enqueue(_task("u", unique=True), queue="q", state=QUEUED, score=T0)

        with pytest.raises(QueueFullException):
            store.enqueue(
                _task("u", unique=True, args=[2]),
                queue="q",
                state=QUEUED,
                score=T0 + 1,
                max_queue_size=1,
            )

        loaded = store.get("q", QUEUED, "u")
        assert loaded.data is not None
        assert loaded.data.args is None

    def test_limit_counts_only_its_own_queue(self, store: TaskStore) -> None:
        """Tasks of other queues (subqueues included) do not count."""
        store.enqueue(_task("a"), queue="q.sub", state=QUEUED, score=T0)

        store.enqueue(_task("b"), queue="q", state=QUEUED, score=T0, max_queue_size=1)

        assert 1 == store.count("q", QUEUED)

    def test_update_scheduled_time_moves_the_due_time(self, store: TaskStore) -> None:
        """The score and ``scheduled_at`` change together; promotion follows."""
        store.enqueue(
            _task("s", scheduled_at=T0 + 100),
            queue="q",
            state=SCHEDULED,
            score=T0 + 100,
        )

        store.update_scheduled_time("q", "s", when=T0 + 5)

        loaded = store.get("q", SCHEDULED, "s")
        assert loaded.data is not None
        assert (T0 + 5, T0 + 5) == (loaded.score, loaded.data.scheduled_at)
        assert 1 == store.promote_due("q", now=T0 + 5, limit=10)

    def test_update_scheduled_time_keeps_every_other_byte(
        self, store: TaskStore
    ) -> None:
        """Empty lists, big integers, float digits, slashes and key order survive."""
        fields = {
            "args": [[], 12345678901234567, 0.1 + 0.2, "a/b", {}],
            "kwargs": {"z": [], "a": 1.0000000000000002},
            "time_last_queued": 1795942930.9205668,
            "scheduled_at": 1795942930.9205668,
        }
        store.enqueue(_task("s", **fields), queue="q", state=SCHEDULED, score=T0 + 9)
        before = store.get("q", SCHEDULED, "s").data

        store.update_scheduled_time("q", "s", when=1795942999.1234567)

        after = store.get("q", SCHEDULED, "s").data
        assert before is not None
        assert after is not None
        expected = before.to_wire() | {"scheduled_at": 1795942999.1234567}
        assert json.dumps(expected) == json.dumps(after.to_wire())

    @pytest.mark.parametrize("state", [QUEUED, ERROR])
    def test_update_scheduled_time_of_an_unscheduled_task_raises(
        self, store: TaskStore, state: TaskState
    ) -> None:
        """Only a scheduled task can be rescheduled; others raise TaskNotFound."""
        store.enqueue(_task("a"), queue="q", state=QUEUED, score=T0)
        if state is ERROR:
            store.move("q", "a", from_state=QUEUED, to_state=ERROR, score=T0)

        with pytest.raises(TaskNotFound, match='in state "scheduled"'):
            store.update_scheduled_time("q", "a", when=T0 + 5)

        assert T0 == store.get("q", state, "a").score

    def test_payload_over_the_size_limit_raises_and_writes_nothing(
        self, store: TaskStore
    ) -> None:
        """A payload longer than ``max_payload_bytes`` is refused before any write."""
        big = _task("big", args=["x" * 2000])

        with pytest.raises(PayloadTooLarge, match=r"tests\.sample_tasks:add.*bytes"):
            store.enqueue(
                big, queue="q", state=QUEUED, score=T0, max_payload_bytes=1000
            )

        assert 0 == store.count("q", QUEUED)
        assert set() == store.queue_names(QUEUED)

    def test_payload_at_the_size_limit_is_written(self, store: TaskStore) -> None:
        """A payload of exactly ``max_payload_bytes`` (its JSON length) is accepted."""
        task = _task("fits", args=["x" * 100])
        size = len(json.dumps(task.to_wire()))

        store.enqueue(task, queue="q", state=QUEUED, score=T0, max_payload_bytes=size)

        assert 1 == store.count("q", QUEUED)
