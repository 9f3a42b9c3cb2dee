"""Queue sizes, statistics and purging of errored tasks (TaskTiger's facade methods)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from tiger_core.errors import TaskNotFound
from tiger_core.model.queue_name import queue_matches
from tiger_core.model.state import TaskState

if TYPE_CHECKING:
    from tiger_core.config import TigerConfig
    from tiger_core.ports import TaskStore

#: The states that ``get_queue_sizes`` and ``max_queue_size`` count (not error).
SIZED_STATES = (TaskState.QUEUED, TaskState.SCHEDULED, TaskState.ACTIVE)
ERROR = TaskState.ERROR
#: Errored tasks read per page by ``purge_errored_tasks``.
PURGE_PAGE = 5000


class Inspection:
    """Read-only views of the queues, and the purge (a mixin of TaskTiger)."""

    store: TaskStore
    config: TigerConfig

    def get_queue_sizes(self, queue: str) -> dict[str, int]:
        """Return the queued, scheduled and active counts of ``queue``."""
        return {str(state): self.store.count(queue, state) for state in SIZED_STATES}

    def get_sizes_for_queues_and_states(
        self, queues_and_states: Sequence[tuple[str, str]]
    ) -> list[int]:
        """Return the task count of each ``(queue, state)`` pair, in order."""
        return [
            self.store.count(queue, TaskState(state))
            for queue, state in queues_and_states
        ]

    def get_total_queue_size(self, queue: str) -> int:
        """Return queued + scheduled + active of ``queue`` (max_queue_size's count)."""
        return sum(self.get_queue_sizes(queue).values())

    def get_queue_stats(self) -> dict[str, dict[str, int]]:
        """Return ``{queue: {state: count}}`` over all four states."""
        stats: dict[str, dict[str, int]] = {}
        for state in TaskState:
            for queue in sorted(self.store.queue_names(state)):
                stats.setdefault(queue, {})[str(state)] = self.store.count(queue, state)
        return stats

    def would_process_configured_queue(self, queue: str) -> bool:
        """Whether ONLY_QUEUES / EXCLUDE_QUEUES of the config accept ``queue``."""
        return queue_matches(queue, self.config.ONLY_QUEUES, self.config.EXCLUDE_QUEUES)

    def purge_errored_tasks(
        self,
        queues: Sequence[str] | None = None,
        exclude_queues: Sequence[str] | None = None,
        last_execution_before: dt.datetime | None = None,
        limit: int | None = 5000,
    ) -> int:
        """Delete errored tasks; return how many were deleted.

        Args:
            queues: only these queues and their subqueues (default ONLY_QUEUES).
            exclude_queues: skip these (default EXCLUDE_QUEUES).
            last_execution_before: keep tasks that failed after this naive UTC
                datetime (an aware one is converted).
            limit: stop after this many deletions (None: no limit).

        Unlike TaskTiger, pages are read from the newest end again after each
        page, skipping only the tasks kept, so no task is skipped however many
        there are.

        Raises:
            ValueError: ``limit`` is not positive.
        """
        if limit is not None and limit <= 0:
            raise ValueError(f"limit must be > 0 or None, got {limit!r}")
        only = self.config.ONLY_QUEUES if queues is None else tuple(queues)
        exclude = (
            self.config.EXCLUDE_QUEUES
            if exclude_queues is None
            else tuple(exclude_queues)
        )
        cutoff = _epoch(last_execution_before)
        deleted = 0
        for queue in sorted(self.store.queue_names(TaskState.ERROR)):
            if not queue_matches(queue, only, exclude):
                continue
            budget = None if limit is None else limit - deleted
            deleted += self._purge_queue(queue, cutoff, budget)
            if limit is not None and deleted >= limit:
                break
        return deleted

    def _purge_queue(self, queue: str, cutoff: float | None, budget: int | None) -> int:
        """Delete the errored tasks of one queue that failed before ``cutoff``."""
        kept = deleted = 0
        while budget is None or deleted < budget:
            _, page = self.store.list_tasks(
                queue, TaskState.ERROR, skip=kept, limit=PURGE_PAGE
            )
            if not page:
                break
            for task in reversed(page):  # newest first: kept ones stay on top
                if budget is not None and deleted >= budget:
                    break
                if cutoff is not None and (task.score or 0) > cutoff:
                    kept += 1
                    continue
                try:
                    self.store.move(
                        queue,
                        task.id,
                        from_state=TaskState.ERROR,
                        to_state=None,
                        score=0,
                    )
                except TaskNotFound:  # removed meanwhile: gone either way
                    continue
                deleted += 1
        return deleted


def _epoch(when: dt.datetime | None) -> float | None:
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.timestamp()
