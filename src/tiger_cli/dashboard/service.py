"""What the dashboard shows and does, over the TaskTiger facade and its ports only.

Nothing here knows about HTTP: the Flask views call these methods, and the unit
tests call them over a :class:`~tiger_adapters.memory.MemoryTaskStore`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tiger_core.errors import TaskNotFound
from tiger_core.model.state import TaskState
from tiger_core.services.error_queue import move_error_tasks

if TYPE_CHECKING:
    from tiger_adapters.compat import TaskTiger
    from tiger_core.model.task import StoredTask

#: The states in the order the dashboard shows them.
STATES: tuple[TaskState, ...] = (
    TaskState.QUEUED,
    TaskState.ACTIVE,
    TaskState.SCHEDULED,
    TaskState.ERROR,
)
#: The order in which a task's state is looked for (errors are what people open).
LOOKUP_ORDER = (
    TaskState.ERROR,
    TaskState.ACTIVE,
    TaskState.SCHEDULED,
    TaskState.QUEUED,
)
#: States a task may be deleted from (an active task belongs to its worker).
DELETABLE = frozenset({TaskState.QUEUED, TaskState.SCHEDULED, TaskState.ERROR})
#: The longest pause accepted (one week).
MAX_PAUSE_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class QueueRow:
    """One queue of the overview: its count per state and its pause.

    Attributes:
        name: the queue name.
        counts: tasks per state name (queued, active, scheduled, error).
        paused_until: when the queue's system lock ends, if it is in the future.
    """

    name: str
    counts: dict[str, int]
    paused_until: float | None = None

    @property
    def total(self) -> int:
        """All tasks of the queue, in any state."""
        return sum(self.counts.values())


@dataclass(frozen=True)
class TaskPage:
    """One page of a queue's tasks in one state, newest first.

    Attributes:
        queue: the queue name.
        state: the state listed.
        total: how many tasks the state holds.
        page: the page number (from 1).
        page_size: tasks per page.
        tasks: this page's tasks, newest first.
    """

    queue: str
    state: TaskState
    total: int
    page: int
    page_size: int
    tasks: list[StoredTask] = field(default_factory=list)

    @property
    def pages(self) -> int:
        """The number of pages (at least 1)."""
        return max(1, math.ceil(self.total / self.page_size))


class DashboardService:
    """Reads and administrative moves of the dashboard.

    Args:
        tiger: the facade whose store, locks and clock are used.
        page_size: tasks per page of a queue listing.
    """

    def __init__(self, tiger: TaskTiger, *, page_size: int = 50) -> None:
        self.tiger = tiger
        self.page_size = page_size

    def now(self) -> float:
        """The facade clock's time (Redis server time on Redis)."""
        return self.tiger.clock.now()

    # -- reads ---------------------------------------------------------------

    def overview(self) -> list[QueueRow]:
        """Every queue that has tasks, sorted by name."""
        store = self.tiger.store
        names: set[str] = set()
        for state in STATES:
            names |= store.queue_names(state)
        rows = [self.queue_row(name) for name in sorted(names)]
        return [row for row in rows if row.total]

    def queue_row(self, queue: str) -> QueueRow:
        """The counts and pause of one queue (zeros for an unknown queue)."""
        counts = {str(state): self.tiger.store.count(queue, state) for state in STATES}
        return QueueRow(queue, counts, self.paused_until(queue))

    def paused_until(self, queue: str) -> float | None:
        """When the pause of ``queue`` ends, or None when it is not paused."""
        until = self.tiger.get_queue_system_lock(queue)
        if until is None or until <= self.now():
            return None
        return until

    def task_page(self, queue: str, state: TaskState, page: int = 1) -> TaskPage:
        """Page ``page`` of ``queue``'s tasks in ``state``, newest first.

        Error tasks carry their newest execution record (for its exception name).
        """
        page = max(1, page)
        total, tasks = self.tiger.store.list_tasks(
            queue,
            state,
            skip=(page - 1) * self.page_size,
            limit=self.page_size,
            executions=1 if state is TaskState.ERROR else 0,
        )
        return TaskPage(queue, state, total, page, self.page_size, tasks[::-1])

    def find_task(self, queue: str, task_id: str) -> StoredTask:
        """Read a task of ``queue`` in whichever state holds it, with all executions.

        Raises:
            TaskNotFound: no state of ``queue`` holds the id (it may have finished).
        """
        for state in LOOKUP_ORDER:
            try:
                return self.tiger.store.get(queue, state, task_id, executions=-1)
            except TaskNotFound:
                continue
        raise TaskNotFound(f"task {task_id} is not in queue {queue!r}")

    # -- actions -------------------------------------------------------------

    def retry_task(self, queue: str, task_id: str) -> None:
        """Queue an errored task again.

        Raises:
            TaskNotFound: the task is not in ``queue``'s errors.
        """
        self.tiger.store.move(
            queue,
            task_id,
            from_state=TaskState.ERROR,
            to_state=TaskState.QUEUED,
            score=self.now(),
        )

    def delete_task(self, queue: str, task_id: str, state: TaskState) -> None:
        """Delete a queued, scheduled or errored task.

        Raises:
            ValueError: ``state`` is active (the task belongs to its worker).
            TaskNotFound: the task is not in ``state`` of ``queue``.
        """
        if state not in DELETABLE:
            raise ValueError(f"a task cannot be deleted while it is {state}")
        self.tiger.store.move(
            queue, task_id, from_state=state, to_state=None, score=self.now()
        )

    def retry_errors(self, queue: str) -> int:
        """Queue every errored task of ``queue`` again; return how many moved."""
        return self._move_errors(queue, TaskState.QUEUED)

    def delete_errors(self, queue: str) -> int:
        """Delete every errored task of ``queue``; return how many were deleted."""
        return self._move_errors(queue, None)

    def pause(self, queue: str, seconds: float) -> None:
        """Set ``queue``'s system lock for ``seconds``.

        Raises:
            ValueError: ``seconds`` is not in (0, one week].
        """
        if not 0 < seconds <= MAX_PAUSE_SECONDS:
            raise ValueError(
                f"pause seconds must be between 1 and {MAX_PAUSE_SECONDS}, "
                f"got {seconds:g}"
            )
        self.tiger.set_queue_system_lock(queue, seconds)

    def resume(self, queue: str) -> None:
        """Clear ``queue``'s system lock (nothing happens when it has none)."""
        self.tiger.locks.clear_system_lock(queue)

    def _move_errors(self, queue: str, to_state: TaskState | None) -> int:
        """Move the errored tasks ``queue`` holds now (not those failing meanwhile)."""
        return move_error_tasks(
            self.tiger.store,
            self.tiger.clock,
            queue,
            to_state=to_state,
            limit=self.tiger.store.count(queue, TaskState.ERROR),
        )
