"""What a Task can do: queue, run eagerly, reschedule, retry, cancel, delete."""

from __future__ import annotations

import copy
import datetime as dt
from typing import TYPE_CHECKING, Any

from tiger_adapters import codec
from tiger_adapters.compat.options import when_to_epoch
from tiger_adapters.compat.runner import get_runner_class
from tiger_adapters.executor.context import running
from tiger_core.errors import TaskNotFound
from tiger_core.model.execution import ExecutionRequest, TaskCall
from tiger_core.model.state import TaskState
from tiger_core.model.task import TaskData
from tiger_core.services.enqueue import enqueue_task

if TYPE_CHECKING:
    from tiger_adapters.compat.task import Task
    from tiger_adapters.compat.tiger import TaskTiger

When = dt.datetime | dt.timedelta | None


class TaskActions:
    """The actions of :class:`~tiger_adapters.compat.task.Task` (a mixin)."""

    tiger: TaskTiger
    _data: TaskData
    _queue: str
    _state: str | None
    _ts: Any
    _executions: list[dict[str, Any]]

    def delay(self, when: When = None, max_queue_size: int | None = None) -> Any:
        """Queue the task now, or schedule it for ``when``.

        Args:
            when: a datetime (naive means UTC) or a timedelta from now.
            max_queue_size: refuse the task when the queue already holds this many
                queued, scheduled and active tasks (default: the task's own
                ``max_queue_size``). The check and the write are atomic.

        Returns:
            None; with ``ALWAYS_EAGER`` a task due now runs at once and its result
            is returned.

        Raises:
            QueueFullException: the queue is full.
            TypeError: an argument is not JSON-serializable.
            PayloadTooLarge: the task's JSON is over MAX_PAYLOAD_BYTES.
        """
        tiger = self.tiger
        now = tiger.clock.now()
        due = when_to_epoch(when, now)
        limit = max_queue_size or self._data.max_queue_size or None
        if tiger.config.ALWAYS_EAGER and (due is None or due <= now):
            return self._run_eagerly(now, limit)
        self._data, state = enqueue_task(
            tiger.store,
            self._data,
            queue=self._queue,
            when=due,
            now=now,
            max_queue_size=limit,
            max_payload_bytes=tiger.config.MAX_PAYLOAD_BYTES,
        )
        self._state = str(state)
        self._ts = self._data.scheduled_at
        return None

    def _run_eagerly(self, now: float, limit: int | None) -> Any:
        """Serialize (to fail as a worker would), check the size, then execute."""
        self._data = self._data.model_copy(
            update={"time_last_queued": now, "scheduled_at": now}
        )
        codec.encode_task_within(self._data, self.tiger.config.MAX_PAYLOAD_BYTES)
        if limit:
            size = self.tiger.get_total_queue_size(self._queue)
            if size >= limit:
                raise codec.queue_full(self._queue, size, limit)
        return self.execute()

    def execute(self) -> Any:
        """Run the task in this process through its runner and return the result.

        ``TaskTiger.current_task`` and friends see the task while it runs.
        """
        func = self.func
        is_batch = bool(getattr(func, "_task_batch", False))
        timeout = (
            self._data.hard_timeout
            or getattr(func, "_task_hard_timeout", None)
            or self.tiger.config.DEFAULT_HARD_TIMEOUT
        )
        call = TaskCall(
            id=self._data.id,
            args=self._data.call_args,
            kwargs=self._data.call_kwargs,
            hard_timeout=float(timeout),
            data=self._data,
        )
        request = ExecutionRequest(
            func=self._data.func,
            queue=self._queue,
            tasks=[call],
            runner_class=self._data.runner_class,
        )
        runner = get_runner_class([self._self()])(self.tiger)
        with running(request, is_batch=is_batch, host=self.tiger):
            return runner.run_eager_task(self._self())

    def update_scheduled_time(self, when: When) -> None:
        """Move the due time of this scheduled task to ``when``.

        Only the score and the payload's ``scheduled_at`` change; the rest of the
        JSON is kept byte for byte.

        Raises:
            TaskNotFound: the task is not scheduled in its queue.
        """
        due = when_to_epoch(when, self.tiger.clock.now())
        if due is None:
            raise ValueError("update_scheduled_time needs a datetime or timedelta")
        self.tiger.store.update_scheduled_time(self._queue, self.id, when=due)
        self._data = self._data.model_copy(update={"scheduled_at": due})
        self._ts = due

    def retry(self) -> None:
        """Move an errored task back to queued (raises TaskNotFound otherwise)."""
        self._move(TaskState.ERROR, TaskState.QUEUED)

    def cancel(self) -> None:
        """Remove a scheduled task (raises TaskNotFound otherwise)."""
        self._move(TaskState.SCHEDULED, None)

    def delete(self) -> None:
        """Remove an errored task (raises TaskNotFound otherwise)."""
        self._move(TaskState.ERROR, None)

    def _move(
        self,
        from_state: TaskState | str | None = None,
        to_state: TaskState | str | None = None,
        when: float | None = None,
    ) -> None:
        """Move the task between states (TaskTiger's internal ``_move``)."""
        source = from_state or self._state
        if source is None:
            raise TaskNotFound(f"Task {self.id} has no state to move from.")
        self.tiger.store.move(
            self._queue,
            self.id,
            from_state=TaskState(source),
            to_state=TaskState(to_state) if to_state else None,
            score=self.tiger.clock.now() if when is None else when,
        )
        self._state = str(TaskState(to_state)) if to_state else None

    def n_executions(self) -> int:
        """Return the number of failed executions so far.

        Raises:
            TaskNotFound: the task is in no state of its queue (or has no payload).
        """
        states = [TaskState(self._state)] if self._state else []
        states += [state for state in TaskState if state not in states]
        for state in states:
            try:
                stored = self.tiger.store.get(self._queue, state, self.id)
            except TaskNotFound:
                continue
            return stored.executions_count
        raise TaskNotFound(f"Task {self.id} not found.")

    def clone(self) -> Task:
        """Return a copy (the data and executions are copied shallowly)."""
        twin = copy.copy(self._self())
        twin._executions = list(self._executions)
        return twin

    # Provided by Task; declared for the type checker.
    @property
    def id(self) -> str:
        """The task id."""
        return self._data.id

    @property
    def func(self) -> Any:
        """The task function (defined by Task)."""
        raise NotImplementedError

    def _self(self) -> Task:
        from tiger_adapters.compat.task import Task  # noqa: PLC0415 - cycle

        assert isinstance(self, Task)
        return self
