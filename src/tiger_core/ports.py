"""Ports: what the core needs from the outside world, as small Protocols.

Every storage method is atomic on its own: in Redis it is one Lua script or one
single-key command, in memory one critical section. Time is always an argument
(``now``, epoch seconds); no port reads a clock except :class:`Clock` itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from tiger_core.model.execution import (
    ExecutionRecord,
    ExecutionReport,
    ExecutionRequest,
)
from tiger_core.model.state import TaskState
from tiger_core.model.task import StoredTask, TaskData


class TaskStore(Protocol):
    """Where tasks live between ``delay`` and the end of their last execution."""

    def enqueue(
        self, task: TaskData, *, queue: str, state: TaskState, score: float
    ) -> None:
        """Write the payload and put the id in ``queued`` or ``scheduled``, atomically.

        A unique task already in that state keeps its score (its place in line, or
        its earlier due time) while its payload is replaced. Entering ``queued``
        announces the queue to idle workers.

        Raises:
            ValueError: ``state`` is neither queued nor scheduled.
        """
        ...

    def claim(
        self,
        queue: str,
        *,
        limit: int,
        now: float,
        owner: str,
        busy_retry_at: float,
    ) -> list[StoredTask]:
        """Move up to ``limit`` of the oldest queued ids to ``active``, atomically.

        Each claimed id is owned by ``owner`` and scored ``now`` in ``active``;
        the score is its heartbeat, and a task whose heartbeat is older than the
        lease timeout may be taken over by crash recovery. An id that is already
        active (a unique task whose twin runs) is not claimed: it moves to
        ``scheduled`` at ``busy_retry_at`` (or keeps an earlier due time). The
        payloads and executions counts are returned too (read right after the
        atomic move; Redis needs a second round trip); a missing or undecodable
        payload is returned with ``data=None`` and ``problem`` set, never raised.
        """
        ...

    def heartbeat(
        self, queue: str, task_ids: Sequence[str], *, now: float, owner: str
    ) -> list[str]:
        """Set the heartbeat of ``owner``'s active tasks to ``now``, atomically.

        Returns the ids that ``owner`` no longer holds (moved out of ``active`` or
        handed to another owner); those are left untouched, never re-added.
        """
        ...

    def complete(self, queue: str, task_id: str, *, owner: str) -> None:
        """Remove a successfully executed task from ``active``, atomically.

        The payload and executions are deleted unless a unique twin of the id is
        still queued, scheduled or in error.

        Raises:
            LeaseLost: ``owner`` no longer holds the task; nothing changed.
        """
        ...

    def fail(  # noqa: PLR0913 - keyword-only inputs of one atomic operation
        self,
        queue: str,
        task_id: str,
        *,
        record: ExecutionRecord,
        owner: str,
        to_state: TaskState | None,
        score: float,
        keep_executions: int | None,
    ) -> None:
        """Append a failed execution and move the task out of ``active``, atomically.

        ``to_state`` is ``error`` (permanent failure), ``scheduled`` (a retry due at
        ``score``) or None (a failure that deletes the task). The executions list is
        trimmed to the newest ``keep_executions`` records when that is set.

        Raises:
            LeaseLost: ``owner`` no longer holds the task; nothing changed.
        """
        ...

    def move(
        self,
        queue: str,
        task_id: str,
        *,
        from_state: TaskState,
        to_state: TaskState | None,
        score: float,
    ) -> None:
        """Move a task between states (or delete it with ``to_state=None``), atomically.

        Used for administration (retry, delete, cancel) and for removing a task whose
        payload is unusable. Entering ``queued`` announces the queue.

        Raises:
            TaskNotFound: the id is not in ``from_state`` of ``queue``.
        """
        ...

    def promote_due(self, queue: str, *, now: float, limit: int) -> int:
        """Move up to ``limit`` scheduled tasks due by ``now`` to queued, atomically.

        An id that is already queued just leaves ``scheduled``. Returns the number
        of ids that entered ``queued``; when it is positive the queue is announced.
        """
        ...

    def get(
        self, queue: str, state: TaskState, task_id: str, *, executions: int = 0
    ) -> StoredTask:
        """Read one task with its newest ``executions`` records (-1 for all).

        Raises:
            TaskNotFound: the id is not in that state, or its payload is missing.
        """
        ...

    def list_tasks(
        self,
        queue: str,
        state: TaskState,
        *,
        skip: int = 0,
        limit: int = 1000,
        executions: int = 0,
    ) -> tuple[int, list[StoredTask]]:
        """Return the size of the state and a page of it, oldest first.

        The page holds the newest ``limit`` tasks after skipping the ``skip`` newest,
        in ascending score order (TaskTiger's order). Ids whose payload vanished are
        returned with ``data=None``.
        """
        ...

    def queue_names(self, state: TaskState) -> set[str]:
        """Return the queues that (probably) have tasks in ``state``."""
        ...

    def count(self, queue: str, state: TaskState) -> int:
        """Return the number of tasks of ``queue`` in ``state``."""
        ...


class Executor(Protocol):
    """Runs the tasks of one request and reports what happened."""

    def execute(
        self, request: ExecutionRequest, *, heartbeat: Callable[[], None]
    ) -> ExecutionReport:
        """Run every task of ``request`` and return its report.

        A task's exception, a hard timeout or an import failure is reported, never
        raised. ``heartbeat`` is called at least every heartbeat interval while the
        tasks run, so the caller can renew its leases.
        """
        ...


class Clock(Protocol):
    """The time source of a worker or a producer."""

    def now(self) -> float:
        """Return the current time in epoch seconds."""
        ...
