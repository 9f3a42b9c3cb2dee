"""The TaskStore port: where tasks live between ``delay`` and their end.

Every method is atomic on its own: in Redis one Lua script (writes) or one read,
in memory one critical section. Time is always an argument (``now``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from tiger_core.model.batch import NewTask
from tiger_core.model.execution import ExecutionRecord
from tiger_core.model.state import Takeover, TaskState
from tiger_core.model.task import StoredTask, TaskData
from tiger_core.ports.runtime import WorkSignal


class TaskStore(Protocol):
    """Where tasks live between ``delay`` and the end of their last execution."""

    def enqueue(
        self,
        task: TaskData,
        *,
        queue: str,
        state: TaskState,
        score: float,
        max_queue_size: int | None = None,
        max_payload_bytes: int | None = None,
    ) -> None:
        """Write the payload and put the id in ``queued`` or ``scheduled``, atomically.

        A unique task already in that state keeps its score (its place in line, or
        its earlier due time) while its payload is replaced. Entering ``queued``
        announces the queue to idle workers. The ``max_queue_size`` check (queued +
        scheduled + active of ``queue``) and the write are one atomic step. The
        ``max_payload_bytes`` check (length of the encoded JSON) comes before any
        write.

        Raises:
            ValueError: ``state`` is neither queued nor scheduled.
            QueueFullException: the queue is full; nothing was written.
            PayloadTooLarge: the encoded payload is longer than
                ``max_payload_bytes``; nothing was written.
            StorageFull: the storage is out of memory; nothing was written.
        """
        ...

    def enqueue_many(
        self, tasks: Sequence[NewTask], *, max_payload_bytes: int | None = None
    ) -> list[bool]:
        """Write many tasks as :meth:`enqueue` would, all in one atomic step.

        Each task gets exactly the semantics of :meth:`enqueue` (unique twins keep
        their score, ``queued`` announces the queue), applied in order, so a task's
        ``max_queue_size`` counts the tasks written before it in the same call. In
        Redis this is one bulk enqueue script per queue (one round trip): alone
        for one queue, in one MULTI/EXEC for several; in memory one critical
        section.

        Returns:
            One flag per task: False when its queue was full (that task, and only
            it, was not written).

        Raises:
            ValueError: a state is neither queued nor scheduled; nothing was written.
            PayloadTooLarge: a payload is longer than ``max_payload_bytes``;
                nothing was written.
            StorageFull: the storage is out of memory. Queues written separately
                (Redis: one script per queue) may be refused in part: the error's
                ``queued`` and ``not_queued`` name the task ids of each kind.
        """
        ...

    def claim(  # noqa: PLR0913 - keyword-only inputs of one atomic operation
        self,
        queue: str,
        *,
        limit: int,
        now: float,
        owner: str,
        busy_retry_at: float,
        run_first: int | None = None,
        request_id: str | None = None,
    ) -> list[StoredTask]:
        """Move up to ``limit`` of the oldest queued ids to ``active``, atomically.

        Each claimed id is leased to ``owner`` and scored ``now`` in ``active``;
        the score is its heartbeat, and a task whose heartbeat is older than the
        lease timeout may be taken over by crash recovery. The lease is tied to
        this claim: once the id is claimed again by anyone (even a worker that
        knows nothing of leases and re-scores it), ``owner`` no longer holds it.

        The first ``run_first`` claimed ids (None: all) are handed to run; the
        others are *held*: they wait behind them, and crash recovery puts a held
        task back in ``queued`` with no record (it never started). A held task is
        handed to run by :meth:`heartbeat` with ``start=True`` or by the
        ``then_start`` of the settle before it.

        ``request_id`` makes the call safe to send again: a call repeating the
        request id of ``owner``'s last claim that took something returns that
        claim's tasks and claims nothing more (a client re-sending a call whose
        reply was lost).

        An id that is already active (a unique task whose twin runs) is not
        claimed: it moves to ``scheduled`` at ``busy_retry_at`` (or keeps an
        earlier due time). The payloads and executions counts are returned too
        (read right after the atomic move; Redis needs a second round trip); a
        missing or undecodable payload is returned with ``data=None`` and
        ``problem`` set, never raised.
        """
        ...

    def claim_queues(  # noqa: PLR0913 - keyword-only inputs of one atomic operation
        self,
        queues: Sequence[tuple[str, int]],
        *,
        limit: int,
        now: float,
        owner: str,
        busy_retry_at: float,
        run_first: int | None = None,
        request_id: str | None = None,
    ) -> list[list[StoredTask]]:
        """Claim from several queues in one atomic step, as :meth:`claim` would.

        ``queues`` are (queue, limit) pairs of distinct queues, visited in the
        order given: each gives up to its own limit of its oldest ids, and never
        more than ``limit`` ids are claimed in all; the visit ends once they are.
        Every id is claimed exactly as :meth:`claim` claims it (owner, ``now``,
        busy unique twins to ``scheduled``; ``run_first`` counts over the whole
        claim in visit order; ``request_id`` as there). In Redis this is one
        script over the keys of every listed queue, then one read of all the
        payloads.

        Returns:
            One list per visited queue, in order: its claimed tasks, oldest
            first. Queues after the last list were not visited (``limit`` tasks
            had been claimed) and are unchanged.
        """
        ...

    def heartbeat(
        self,
        queue: str,
        task_ids: Sequence[str],
        *,
        now: float,
        owner: str,
        start: bool = False,
    ) -> list[str]:
        """Set the heartbeat of ``owner``'s active tasks to ``now``, atomically.

        With ``start``, the tasks are also handed to run (no longer held).
        Returns the ids that ``owner`` no longer holds (moved out of ``active``,
        leased to another owner, or claimed again since ``owner``'s lease); those
        are left untouched, never re-added.
        """
        ...

    def complete(
        self,
        queue: str,
        task_id: str,
        *,
        owner: str,
        unique: bool | None = None,
        then_start: tuple[str, str] | None = None,
        claim_done: bool = False,
    ) -> None:
        """Remove a successfully executed task from ``active``, atomically.

        The payload and executions are deleted unless a unique twin of the id is
        still queued, scheduled or in error. ``unique`` says whether the payload
        is unique (``"unique": true``) when the caller knows it from the payload it
        claimed; None makes the store read the payload to find out.
        ``then_start`` is the (queue, id) of ``owner``'s held task that runs
        next: it is handed to run in the same step (if ``owner`` still holds it).
        ``claim_done`` says that ``owner`` holds nothing more of its last claim:
        what the store kept to answer a re-send of that claim is dropped.

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
        then_start: tuple[str, str] | None = None,
        claim_done: bool = False,
    ) -> None:
        """Append a failed execution and move the task out of ``active``, atomically.

        ``to_state`` is ``error`` (permanent failure), ``scheduled`` (a retry due at
        ``score``) or None (a failure that deletes the task). The executions list is
        trimmed to the newest ``keep_executions`` records when that is set.
        ``then_start`` and ``claim_done`` as in :meth:`complete`.

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

    def defer(self, queue: str, task_id: str, *, owner: str, score: float) -> None:
        """Put ``owner``'s active task back in ``scheduled``, atomically.

        Used when a task's lock is busy (TaskTiger's transition 7): the task leaves
        ``active`` without an execution record and without counting an attempt, and
        is due at ``score``, or at its existing earlier due time in ``scheduled``.

        Raises:
            LeaseLost: ``owner`` no longer holds the task; nothing changed.
        """
        ...

    def update_scheduled_time(self, queue: str, task_id: str, *, when: float) -> None:
        """Re-score a scheduled task and set its ``scheduled_at``, atomically.

        Every other byte of the payload is kept (unlike TaskTiger, compat 8.6).

        Raises:
            TaskNotFound: the id is not scheduled in ``queue`` or has no payload.
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

    # -- worker runtime: crash recovery, periodic tasks, pacing ---------------

    def expired(self, queue: str, *, cutoff: float, limit: int) -> list[StoredTask]:
        """Read up to ``limit`` active tasks whose heartbeat is at or before ``cutoff``.

        Oldest heartbeat first, with payload, executions count and ``owner``; an
        unusable payload comes back with ``data=None`` and ``problem`` set. This is
        a read: act on a task only through :meth:`reclaim_expired`.
        """
        ...

    def reclaim_expired(
        self,
        queue: str,
        task_id: str,
        *,
        cutoff: float,
        record: ExecutionRecord | None,
        to_state: TaskState | None,
        score: float,
    ) -> Takeover:
        """Take over an expired active task, atomically, if it is STILL expired.

        When the id is in ``active`` with a heartbeat at or before ``cutoff``: a
        task its worker held and never handed to run goes back to ``queued``
        (scored with its last heartbeat, announced) with no record. Any other is
        taken over as asked: ``record`` appended (if given, counting an attempt),
        the lease cleared (the old worker then gets LeaseLost) and the task moved
        to ``to_state`` at ``score`` (``queued``: kept score if already queued,
        and announced; ``error``; None: delete as ``complete`` does). Otherwise
        nothing changes (a late heartbeat wins, or the task already left
        ``active``).

        Returns:
            What was done (``Takeover.NONE`` is false).
        """
        ...

    def sweep_leases(self, queue: str, *, limit: int) -> int:
        """Drop lease records of ``queue`` that match no active claim any more.

        A worker that knows nothing of leases (TaskTiger) can requeue and claim
        again a task leased here; its old record is then stale. Each call looks
        at up to about ``limit`` records, going on from where the previous call
        on this store instance stopped. Returns how many were dropped.
        """
        ...

    def uptime(self) -> float | None:
        """Seconds since the storage server last started; None when unknown.

        No lease can be renewed while the storage is down, so crash recovery
        judges no heartbeat until the storage has been up for a full lease.
        """
        ...

    def queue_periodic(
        self, task: TaskData, *, queue: str, when: float, owner: str | None
    ) -> bool:
        """Schedule a periodic task's next run unless it is already pending, atomically.

        The payload is written and the id scheduled at ``when`` only if the id is
        neither queued nor scheduled in ``queue``, nor active there under an owner
        other than ``owner`` (with ``owner=None``: active at all). This is what
        makes "queued at most once per period" hold for any number of workers.

        Returns:
            Whether the next run was scheduled.
        """
        ...

    def throttle(self, name: str, *, interval: float, now: float) -> bool:
        """Take the rate limit ``name`` for ``interval`` seconds, atomically.

        Returns False while someone else holds it. Redis measures the interval on
        the server (``SET NX PX``); the memory store uses ``now``. An ``interval``
        of 0 or less always succeeds and holds nothing.
        """
        ...

    def release_throttle(self, name: str) -> None:
        """Give back the rate limit ``name`` early, if this store instance holds it."""
        ...

    def work_signal(self) -> WorkSignal:
        """Open a subscription to queue announcements (see :class:`WorkSignal`).

        The subscription exists when this returns: announcements made afterwards
        are delivered to it.
        """
        ...
