"""Task states and the moves between them."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class TaskState(StrEnum):
    """Where a task is. A task that finished successfully is gone: it has no state."""

    QUEUED = "queued"
    ACTIVE = "active"
    SCHEDULED = "scheduled"
    ERROR = "error"


#: Every state a task can be in, in TaskTiger's order.
ALL_STATES: tuple[TaskState, ...] = tuple(TaskState)


class Takeover(IntEnum):
    """What crash recovery did with an expired active task (``reclaim_expired``).

    False only for ``NONE``, so ``if store.reclaim_expired(...)`` reads naturally.
    """

    #: Nothing: the task had left ``active`` or a heartbeat came in meanwhile.
    NONE = 0
    #: Taken over as asked: a record appended, moved to the asked state.
    TAKEN_OVER = 1
    #: The task was held behind another of its worker's claim and never handed to
    #: run: put back in ``queued`` with no record and no attempt counted.
    REQUEUED_UNSTARTED = 2
