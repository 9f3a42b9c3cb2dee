"""The worker-runtime operations of the memory store: recovery, periodic, pacing.

:class:`MemoryRuntimeOps` is a mixin of :class:`~tiger_adapters.memory.store.
MemoryTaskStore`; each method runs under the store's one lock, like the others.
"""

from __future__ import annotations

import threading
from typing import Protocol

from tiger_adapters.codec import encode_record, encode_task
from tiger_adapters.memory.leases import LeaseBook
from tiger_adapters.memory.signal import MemoryActivity, MemoryWorkSignal
from tiger_core.model.execution import ExecutionRecord
from tiger_core.model.state import Takeover, TaskState
from tiger_core.model.task import StoredTask, TaskData


class _Internals(Protocol):
    """The parts of MemoryTaskStore the mixin relies on."""

    _lock: threading.RLock
    _payloads: dict[str, str]
    _executions: dict[str, list[str]]
    _counts: dict[str, int]
    _leases: LeaseBook
    _throttles: dict[str, float]
    _activity: MemoryActivity

    def _zset(self, state: TaskState, queue: str) -> dict[str, float]: ...
    def _score(self, state: TaskState, queue: str, task_id: str) -> float | None: ...
    def _drop(self, queue: str, task_id: str, *, from_state: TaskState) -> None: ...
    def _leave_active(self, queue: str, task_id: str) -> None: ...
    def _owner_of(self, queue: str, task_id: str) -> str | None: ...
    def _stored(
        self, queue: str, state: TaskState, task_id: str, executions: int
    ) -> StoredTask: ...


class MemoryRuntimeOps:
    """Crash recovery, periodic scheduling, rate limits and announcements."""

    def _init_runtime(self: _Internals) -> None:
        self._throttles: dict[str, float] = {}
        self._activity = MemoryActivity()

    def expired(
        self: _Internals, queue: str, *, cutoff: float, limit: int
    ) -> list[StoredTask]:
        """See :meth:`tiger_core.ports.TaskStore.expired`."""
        with self._lock:
            active = self._zset(TaskState.ACTIVE, queue)
            ids = sorted(
                (i for i, score in active.items() if score <= cutoff),
                key=lambda i: (active[i], i),
            )[: max(limit, 0)]
            return [
                self._stored(queue, TaskState.ACTIVE, i, 0).model_copy(
                    update={"owner": self._owner_of(queue, i)}
                )
                for i in ids
            ]

    def reclaim_expired(
        self: _Internals,
        queue: str,
        task_id: str,
        *,
        cutoff: float,
        record: ExecutionRecord | None,
        to_state: TaskState | None,
        score: float,
    ) -> Takeover:
        """See :meth:`tiger_core.ports.TaskStore.reclaim_expired`."""
        encoded = None if record is None else encode_record(record)
        with self._lock:
            heartbeat = self._score(TaskState.ACTIVE, queue, task_id)
            if heartbeat is None or heartbeat > cutoff:
                return Takeover.NONE
            lease = self._leases.get(queue, task_id)
            if lease is not None and not lease.started and lease.score == heartbeat:
                self._leave_active(queue, task_id)
                self._zset(TaskState.QUEUED, queue).setdefault(task_id, heartbeat)
                self._activity.announce(queue)
                return Takeover.REQUEUED_UNSTARTED
            if encoded is not None:
                self._executions.setdefault(task_id, []).append(encoded)
                self._counts[task_id] = self._counts.get(task_id, 0) + 1
            self._leave_active(queue, task_id)
            if to_state is None:
                self._drop(queue, task_id, from_state=TaskState.ACTIVE)
            elif to_state is TaskState.QUEUED:
                self._zset(to_state, queue).setdefault(task_id, score)
                self._activity.announce(queue)
            else:
                self._zset(to_state, queue)[task_id] = score
            return Takeover.TAKEN_OVER

    def sweep_leases(self: _Internals, queue: str, *, limit: int) -> int:
        """See :meth:`tiger_core.ports.TaskStore.sweep_leases` (all at once)."""
        del limit
        with self._lock:
            return self._leases.sweep(queue, self._zset(TaskState.ACTIVE, queue))

    def _owner_of(self: _Internals, queue: str, task_id: str) -> str | None:
        lease = self._leases.get(queue, task_id)
        return None if lease is None else lease.owner

    def uptime(self: _Internals) -> float | None:
        """See :meth:`tiger_core.ports.TaskStore.uptime`: unknown (it never stops)."""
        return None

    def queue_periodic(
        self: _Internals, task: TaskData, *, queue: str, when: float, owner: str | None
    ) -> bool:
        """See :meth:`tiger_core.ports.TaskStore.queue_periodic`."""
        payload = encode_task(task)
        with self._lock:
            pending = (TaskState.QUEUED, TaskState.SCHEDULED)
            if any(self._score(s, queue, task.id) is not None for s in pending):
                return False
            if self._score(TaskState.ACTIVE, queue, task.id) is not None and (
                owner is None or self._owner_of(queue, task.id) != owner
            ):
                return False
            self._payloads[task.id] = payload
            self._zset(TaskState.SCHEDULED, queue)[task.id] = when
            return True

    def throttle(self: _Internals, name: str, *, interval: float, now: float) -> bool:
        """See :meth:`tiger_core.ports.TaskStore.throttle`."""
        if interval <= 0:
            return True
        with self._lock:
            if self._throttles.get(name, -1.0) > now:
                return False
            self._throttles[name] = now + interval
            return True

    def release_throttle(self: _Internals, name: str) -> None:
        """See :meth:`tiger_core.ports.TaskStore.release_throttle`."""
        with self._lock:
            self._throttles.pop(name, None)

    def work_signal(self: _Internals) -> MemoryWorkSignal:
        """See :meth:`tiger_core.ports.TaskStore.work_signal`."""
        return self._activity.subscribe()

    def _announce(self: _Internals, queue: str) -> None:
        self._activity.announce(queue)
