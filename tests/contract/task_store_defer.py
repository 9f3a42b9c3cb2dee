"""DeferContract: TaskStore.defer, the lock-busy move from active to scheduled.

Mixed into :class:`tests.contract.task_store.TaskStoreContract`, so every
TaskStore adapter runs it.
"""

from __future__ import annotations

from typing import Any

import pytest

from tiger_core.errors import LeaseLost
from tiger_core.model.state import TaskState
from tiger_core.model.task import TaskData
from tiger_core.ports import TaskStore

T0 = 1_800_000_000.0


def _claimed(store: TaskStore, task_id: str, **fields: Any) -> None:
    """Enqueue ``task_id`` in queue ``q`` and claim it for owner ``w1``."""
    data = TaskData(id=task_id, func="tests.sample_tasks:add", **fields)
    store.enqueue(data, queue="q", state=TaskState.QUEUED, score=T0)
    store.claim("q", limit=1, now=T0, owner="w1", busy_retry_at=T0 + 1)


class DeferContract:
    """Tests of ``TaskStore.defer`` that every adapter must pass."""

    def test_defer_moves_the_task_to_scheduled(self, store: TaskStore) -> None:
        """A deferred task is scheduled at the score, not active, with no record."""
        _claimed(store, "a")

        store.defer("q", "a", owner="w1", score=T0 + 1.25)

        loaded = store.get("q", TaskState.SCHEDULED, "a", executions=-1)
        assert (0, set()) == (
            store.count("q", TaskState.ACTIVE),
            store.queue_names(TaskState.ACTIVE),
        )
        assert ({"q"}, T0 + 1.25) == (
            store.queue_names(TaskState.SCHEDULED),
            loaded.score,
        )
        assert ([], 0) == (loaded.executions, loaded.executions_count)

    def test_defer_keeps_an_earlier_due_time(self, store: TaskStore) -> None:
        """Deferring a task already scheduled earlier keeps the earlier time."""
        _claimed(store, "u", unique=True)
        store.enqueue(
            TaskData(id="u", func="tests.sample_tasks:add", unique=True),
            queue="q",
            state=TaskState.SCHEDULED,
            score=T0 + 0.5,
        )

        store.defer("q", "u", owner="w1", score=T0 + 9)

        assert T0 + 0.5 == store.get("q", TaskState.SCHEDULED, "u").score

    def test_defer_by_another_owner_is_refused(self, store: TaskStore) -> None:
        """Only the owner may defer an active task; nothing changes otherwise."""
        _claimed(store, "a")

        with pytest.raises(LeaseLost):
            store.defer("q", "a", owner="intruder", score=T0 + 1)

        assert (1, 0) == (
            store.count("q", TaskState.ACTIVE),
            store.count("q", TaskState.SCHEDULED),
        )

    def test_deferred_task_keeps_its_payload_and_is_claimable_again(
        self, store: TaskStore
    ) -> None:
        """A deferred task is promoted and claimed again with the same payload."""
        _claimed(store, "a", args=[1, 2])
        store.defer("q", "a", owner="w1", score=T0 + 1)

        promoted = store.promote_due("q", now=T0 + 1, limit=10)
        again = store.claim("q", limit=1, now=T0 + 2, owner="w2", busy_retry_at=T0)

        assert 1 == promoted
        assert [("a", [1, 2])] == [
            (t.id, t.data.args if t.data else None) for t in again
        ]
