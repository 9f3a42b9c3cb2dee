"""The claim side of the memory store: claims, leases and heartbeats.

:class:`MemoryClaimOps` is a mixin of :class:`~tiger_adapters.memory.store.
MemoryTaskStore`; each method runs under the store's one lock, like the others.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Protocol

from tiger_adapters.memory.leases import Lease, LeaseBook
from tiger_core.errors import LeaseLost
from tiger_core.model.state import TaskState
from tiger_core.model.task import StoredTask


class _Internals(Protocol):
    """The parts of MemoryTaskStore the mixin relies on."""

    _lock: threading.RLock
    _leases: LeaseBook
    _zsets: dict[tuple[TaskState, str], dict[str, float]]

    def _zset(self, state: TaskState, queue: str) -> dict[str, float]: ...
    def _score(self, state: TaskState, queue: str, task_id: str) -> float | None: ...
    def _remove(self, state: TaskState, queue: str, task_id: str) -> None: ...
    def _stored(
        self, queue: str, state: TaskState, task_id: str, executions: int
    ) -> StoredTask: ...
    def _claim(
        self, queue: str, limit: int, now: float, busy_retry_at: float
    ) -> list[str]: ...
    def _held(self, queue: str, task_id: str, owner: str) -> Lease | None: ...
    def _claim_many(  # noqa: PLR0913 - the port's signature
        self,
        queues: Sequence[tuple[str, int]],
        *,
        limit: int,
        now: float,
        owner: str,
        busy_retry_at: float,
        run_first: int | None,
        request_id: str | None,
    ) -> list[list[StoredTask]]: ...


class MemoryClaimOps:
    """``claim``, ``claim_queues`` and ``heartbeat``, and the lease checks."""

    def claim(  # noqa: PLR0913 - the port's signature
        self: _Internals,
        queue: str,
        *,
        limit: int,
        now: float,
        owner: str,
        busy_retry_at: float,
        run_first: int | None = None,
        request_id: str | None = None,
    ) -> list[StoredTask]:
        """See :meth:`tiger_core.ports.TaskStore.claim`."""
        visited = self._claim_many(
            [(queue, limit)],
            limit=limit,
            now=now,
            owner=owner,
            busy_retry_at=busy_retry_at,
            run_first=run_first,
            request_id=request_id,
        )
        return visited[0] if visited else []

    def claim_queues(  # noqa: PLR0913 - the port's signature
        self: _Internals,
        queues: Sequence[tuple[str, int]],
        *,
        limit: int,
        now: float,
        owner: str,
        busy_retry_at: float,
        run_first: int | None = None,
        request_id: str | None = None,
    ) -> list[list[StoredTask]]:
        """See :meth:`tiger_core.ports.TaskStore.claim_queues`."""
        return self._claim_many(
            queues,
            limit=limit,
            now=now,
            owner=owner,
            busy_retry_at=busy_retry_at,
            run_first=run_first,
            request_id=request_id,
        )

    def _claim_many(  # noqa: PLR0913 - the port's signature
        self: _Internals,
        queues: Sequence[tuple[str, int]],
        *,
        limit: int,
        now: float,
        owner: str,
        busy_retry_at: float,
        run_first: int | None,
        request_id: str | None,
    ) -> list[list[StoredTask]]:
        """Claim over ``queues`` (both claim methods), or answer a repeated request."""
        with self._lock:
            kept = self._leases.replies.get(owner)
            if request_id and kept is not None and kept[0] == request_id:
                visited_ids = kept[1]
            else:
                visited_ids = []
                remaining = limit
                for queue, size in queues:
                    if remaining <= 0:
                        break
                    ids = self._claim(queue, min(size, remaining), now, busy_retry_at)
                    remaining -= len(ids)
                    visited_ids.append(ids)
                to_run = limit if run_first is None else max(run_first, 0)
                for (queue, _), ids in zip(queues, visited_ids, strict=False):
                    for task_id in ids:
                        self._leases.grant(
                            queue, task_id, owner=owner, score=now, started=to_run > 0
                        )
                        to_run -= 1
                if request_id and remaining < limit:
                    self._leases.replies[owner] = (request_id, visited_ids)
            return [
                [self._stored(queue, TaskState.ACTIVE, i, 0) for i in ids]
                for (queue, _), ids in zip(queues, visited_ids, strict=False)
            ]

    def _claim(
        self: _Internals, queue: str, limit: int, now: float, busy_retry_at: float
    ) -> list[str]:
        """Claim up to ``limit`` of the oldest ids of ``queue`` (under the lock).

        The caller leases them: it knows the claim order across queues.
        """
        queued = self._zsets.get((TaskState.QUEUED, queue), {})
        ids = sorted(queued, key=lambda i: (queued[i], i))[: max(limit, 0)]
        claimed: list[str] = []
        for task_id in ids:
            self._remove(TaskState.QUEUED, queue, task_id)
            if self._score(TaskState.ACTIVE, queue, task_id) is not None:
                scheduled = self._zset(TaskState.SCHEDULED, queue)
                due = scheduled.get(task_id, busy_retry_at)
                scheduled[task_id] = min(due, busy_retry_at)
                continue
            self._zset(TaskState.ACTIVE, queue)[task_id] = now
            claimed.append(task_id)
        return claimed

    def heartbeat(
        self: _Internals,
        queue: str,
        task_ids: Sequence[str],
        *,
        now: float,
        owner: str,
        start: bool = False,
    ) -> list[str]:
        """See :meth:`tiger_core.ports.TaskStore.heartbeat`."""
        lost: list[str] = []
        with self._lock:
            for task_id in task_ids:
                lease = self._held(queue, task_id, owner)
                if lease is None:
                    lost.append(task_id)
                    continue
                self._zset(TaskState.ACTIVE, queue)[task_id] = now
                self._leases.grant(
                    queue,
                    task_id,
                    owner=owner,
                    score=now,
                    started=start or lease.started,
                )
        return lost

    def _held(self: _Internals, queue: str, task_id: str, owner: str) -> Lease | None:
        """``owner``'s lease of ``task_id``, or None when it does not hold it."""
        score = self._score(TaskState.ACTIVE, queue, task_id)
        return self._leases.held(queue, task_id, owner, score)

    def _check_owner(self: _Internals, queue: str, task_id: str, owner: str) -> None:
        if self._held(queue, task_id, owner) is None:
            raise LeaseLost(f"task {task_id} in queue {queue!r} is not held by {owner}")

    def _start_next(
        self: _Internals, then_start: tuple[str, str] | None, owner: str
    ) -> None:
        """Hand ``owner``'s held task ``then_start`` to run, if it still holds it."""
        if then_start is None:
            return
        queue, task_id = then_start
        lease = self._held(queue, task_id, owner)
        if lease is not None and not lease.started:
            self._leases.grant(
                queue, task_id, owner=owner, score=lease.score, started=True
            )
