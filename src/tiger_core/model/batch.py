"""A task to write as part of a bulk enqueue (``TaskStore.enqueue_many``)."""

from __future__ import annotations

from dataclasses import dataclass

from tiger_core.model.state import TaskState
from tiger_core.model.task import TaskData


@dataclass(frozen=True)
class NewTask:
    """One task of a bulk enqueue, with what a single ``enqueue`` call would take.

    Attributes:
        task: the payload, already stamped (``time_last_queued``, ``scheduled_at``).
        queue: the queue name.
        state: ``queued`` or ``scheduled``.
        score: the enqueue time (queued) or the due time (scheduled).
        max_queue_size: refuse this task when its queue already holds this many
            queued, scheduled and active tasks (None: no limit).
    """

    task: TaskData
    queue: str
    state: TaskState
    score: float
    max_queue_size: int | None = None
