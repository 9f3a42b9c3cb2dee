"""MemoryTaskStore: the TaskStore port over dicts, under one lock."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from tiger_adapters.codec import (
    decode_records,
    decode_task,
    encode_record,
    encode_task_within,
    patch_payload,
    queue_full,
)
from tiger_adapters.memory.claims import MemoryClaimOps
from tiger_adapters.memory.leases import LeaseBook
from tiger_adapters.memory.runtime import MemoryRuntimeOps
from tiger_core.errors import QueueFullException, TaskNotFound
from tiger_core.model.batch import NewTask
from tiger_core.model.execution import ExecutionRecord
from tiger_core.model.state import TaskState
from tiger_core.model.task import StoredTask, TaskData

_Zset = dict[str, float]
#: The states that count towards ``max_queue_size`` (not error).
_SIZED = (TaskState.QUEUED, TaskState.SCHEDULED, TaskState.ACTIVE)


class MemoryTaskStore(MemoryClaimOps, MemoryRuntimeOps):
    """A TaskStore kept in process memory.

    Every method runs under one re-entrant lock, which makes it atomic. Payloads and
    execution records are stored as the JSON text the Redis store writes. Nothing
    is shared between processes: a fork child sees a copy, which is fine because the
    child never touches storage.
    """

    def __init__(self) -> None:
        """Create an empty store."""
        self._lock = threading.RLock()
        self._zsets: dict[tuple[TaskState, str], _Zset] = {}
        self._payloads: dict[str, str] = {}
        self._executions: dict[str, list[str]] = {}
        self._counts: dict[str, int] = {}
        self._leases = LeaseBook()
        self._init_runtime()

    # -- helpers ---------------------------------------------------------------

    def _zset(self, state: TaskState, queue: str) -> _Zset:
        return self._zsets.setdefault((state, queue), {})

    def _score(self, state: TaskState, queue: str, task_id: str) -> float | None:
        return self._zsets.get((state, queue), {}).get(task_id)

    def _remove(self, state: TaskState, queue: str, task_id: str) -> None:
        zset = self._zsets.get((state, queue))
        if zset is not None:
            zset.pop(task_id, None)
            if not zset:
                del self._zsets[(state, queue)]

    def _unique(self, task_id: str) -> bool:
        data, _ = decode_task(self._payloads.get(task_id), task_id)
        return data is not None and data.is_unique

    def _drop(self, queue: str, task_id: str, *, from_state: TaskState) -> None:
        """Delete a task's data the way TaskTiger's move_task does (step 4)."""
        others = [s for s in TaskState if s is not from_state]
        in_error = self._score(TaskState.ERROR, queue, task_id) is not None
        if not self._unique(task_id):
            self._forget(task_id, payload=True)
            return
        if from_state is TaskState.ERROR or not in_error:
            self._forget(task_id, payload=False)
        if all(self._score(s, queue, task_id) is None for s in others):
            self._payloads.pop(task_id, None)

    def _forget(self, task_id: str, *, payload: bool) -> None:
        self._executions.pop(task_id, None)
        self._counts.pop(task_id, None)
        if payload:
            self._payloads.pop(task_id, None)

    def _stored(
        self, queue: str, state: TaskState, task_id: str, executions: int
    ) -> StoredTask:
        data, problem = decode_task(self._payloads.get(task_id), task_id)
        records = self._executions.get(task_id, [])
        if executions == 0:
            selected: list[str] = []
        elif executions < 0:
            selected = records
        else:
            selected = records[-executions:]
        return StoredTask(
            id=task_id,
            queue=queue,
            state=state,
            score=self._score(state, queue, task_id),
            data=data,
            problem=problem,
            executions=decode_records(selected),
            executions_count=self._counts.get(task_id, 0),
        )

    # -- writes ----------------------------------------------------------------

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
        """See :meth:`tiger_core.ports.TaskStore.enqueue`."""
        if state not in (TaskState.QUEUED, TaskState.SCHEDULED):
            raise ValueError(f"cannot enqueue into state {state!r}")
        payload = encode_task_within(task, max_payload_bytes)
        with self._lock:
            if max_queue_size is not None:
                size = sum(len(self._zsets.get((s, queue), {})) for s in _SIZED)
                if size >= max_queue_size:
                    raise queue_full(queue, size, max_queue_size)
            self._payloads[task.id] = payload
            self._zset(state, queue).setdefault(task.id, score)
            if state is TaskState.QUEUED:
                self._announce(queue)

    def enqueue_many(
        self, tasks: Sequence[NewTask], *, max_payload_bytes: int | None = None
    ) -> list[bool]:
        """See :meth:`tiger_core.ports.TaskStore.enqueue_many`."""
        for new in tasks:  # every check that refuses the whole call comes first
            if new.state not in (TaskState.QUEUED, TaskState.SCHEDULED):
                raise ValueError(f"cannot enqueue into state {new.state!r}")
            encode_task_within(new.task, max_payload_bytes)
        written = []
        with self._lock:  # re-entrant: enqueue takes it again
            for new in tasks:
                try:
                    self.enqueue(
                        new.task,
                        queue=new.queue,
                        state=new.state,
                        score=new.score,
                        max_queue_size=new.max_queue_size,
                    )
                except QueueFullException:
                    written.append(False)
                else:
                    written.append(True)
        return written

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
        """See :meth:`tiger_core.ports.TaskStore.complete` (reads its own payload)."""
        del unique  # the payload tells
        with self._lock:
            self._check_owner(queue, task_id, owner)
            self._leave_active(queue, task_id)
            self._drop(queue, task_id, from_state=TaskState.ACTIVE)
            self._start_next(then_start, owner)
            if claim_done:
                self._leases.replies.pop(owner, None)

    def _leave_active(self, queue: str, task_id: str) -> None:
        self._remove(TaskState.ACTIVE, queue, task_id)
        self._leases.drop(queue, task_id)

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
        """See :meth:`tiger_core.ports.TaskStore.fail`."""
        encoded = encode_record(record)
        with self._lock:
            self._check_owner(queue, task_id, owner)
            records = self._executions.setdefault(task_id, [])
            records.append(encoded)
            if keep_executions:
                del records[:-keep_executions]
            self._counts[task_id] = self._counts.get(task_id, 0) + 1
            if to_state is not None:
                self._zset(to_state, queue)[task_id] = score
            self._leave_active(queue, task_id)
            if to_state is None:
                self._drop(queue, task_id, from_state=TaskState.ACTIVE)
            self._start_next(then_start, owner)
            if claim_done:
                self._leases.replies.pop(owner, None)
            if claim_done:
                self._leases.replies.pop(owner, None)

    def move(
        self,
        queue: str,
        task_id: str,
        *,
        from_state: TaskState,
        to_state: TaskState | None,
        score: float,
    ) -> None:
        """See :meth:`tiger_core.ports.TaskStore.move`."""
        with self._lock:
            if self._score(from_state, queue, task_id) is None:
                raise TaskNotFound(
                    f'Task {task_id} not found in queue "{queue}" in state '
                    f'"{from_state}".'
                )
            if to_state is not None:
                self._zset(to_state, queue)[task_id] = score
            if to_state is TaskState.QUEUED:
                self._announce(queue)
            self._remove(from_state, queue, task_id)
            if from_state is TaskState.ACTIVE:
                self._leases.drop(queue, task_id)
            if to_state is None:
                self._drop(queue, task_id, from_state=from_state)

    def defer(self, queue: str, task_id: str, *, owner: str, score: float) -> None:
        """See :meth:`tiger_core.ports.TaskStore.defer`."""
        with self._lock:
            self._check_owner(queue, task_id, owner)
            scheduled = self._zset(TaskState.SCHEDULED, queue)
            scheduled[task_id] = min(scheduled.get(task_id, score), score)
            self._leave_active(queue, task_id)

    def update_scheduled_time(self, queue: str, task_id: str, *, when: float) -> None:
        """See :meth:`tiger_core.ports.TaskStore.update_scheduled_time`."""
        with self._lock:
            raw = self._payloads.get(task_id)
            if self._score(TaskState.SCHEDULED, queue, task_id) is None or raw is None:
                raise TaskNotFound(
                    f'Task {task_id} not found in queue "{queue}" in state '
                    f'"{TaskState.SCHEDULED}".'
                )
            self._payloads[task_id] = patch_payload(raw, scheduled_at=when)
            self._zset(TaskState.SCHEDULED, queue)[task_id] = when

    def promote_due(self, queue: str, *, now: float, limit: int) -> int:
        """See :meth:`tiger_core.ports.TaskStore.promote_due`."""
        with self._lock:
            scheduled = self._zsets.get((TaskState.SCHEDULED, queue), {})
            due = sorted((s, i) for i, s in scheduled.items() if s <= now)[:limit]
            moved = 0
            for _, task_id in due:
                self._remove(TaskState.SCHEDULED, queue, task_id)
                queued = self._zset(TaskState.QUEUED, queue)
                if task_id not in queued:
                    queued[task_id] = now
                    moved += 1
            if moved:
                self._announce(queue)
            return moved

    # -- reads -----------------------------------------------------------------

    def get(
        self, queue: str, state: TaskState, task_id: str, *, executions: int = 0
    ) -> StoredTask:
        """See :meth:`tiger_core.ports.TaskStore.get`."""
        with self._lock:
            score = self._score(state, queue, task_id)
            if score is None or task_id not in self._payloads:
                raise TaskNotFound(
                    f'Task {task_id} not found in queue "{queue}" in state "{state}".'
                )
            return self._stored(queue, state, task_id, executions)

    def list_tasks(
        self,
        queue: str,
        state: TaskState,
        *,
        skip: int = 0,
        limit: int = 1000,
        executions: int = 0,
    ) -> tuple[int, list[StoredTask]]:
        """See :meth:`tiger_core.ports.TaskStore.list_tasks`."""
        with self._lock:
            zset = self._zsets.get((state, queue), {})
            ordered = sorted(zset, key=lambda i: (zset[i], i))
            end = len(ordered) - skip
            page = ordered[max(end - limit, 0) : max(end, 0)]
            tasks = [self._stored(queue, state, i, executions) for i in page]
            return len(ordered), tasks

    def queue_names(self, state: TaskState) -> set[str]:
        """See :meth:`tiger_core.ports.TaskStore.queue_names`."""
        with self._lock:
            return {
                queue for (s, queue), zset in self._zsets.items() if s is state and zset
            }

    def count(self, queue: str, state: TaskState) -> int:
        """See :meth:`tiger_core.ports.TaskStore.count`."""
        with self._lock:
            return len(self._zsets.get((state, queue), {}))
