"""Task states and the moves between them."""

from __future__ import annotations

from enum import StrEnum


class TaskState(StrEnum):
    """Where a task is. A task that finished successfully is gone: it has no state."""

    QUEUED = "queued"
    ACTIVE = "active"
    SCHEDULED = "scheduled"
    ERROR = "error"


#: Every state a task can be in, in TaskTiger's order.
ALL_STATES: tuple[TaskState, ...] = tuple(TaskState)
