"""Task: one task, to queue, inspect, retry, cancel or delete."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from tiger_adapters.compat.options import (
    epoch_to_datetime,
    function_options,
    make_options,
    when_to_epoch,
)
from tiger_core.errors import TaskNotFound
from tiger_core.functions import import_attribute, serialize_func_name
from tiger_core.model.state import TaskState
from tiger_core.model.task import StoredTask, TaskData
from tiger_core.services.enqueue import build_task, enqueue_task

if TYPE_CHECKING:
    from tiger_adapters.compat.tiger import TaskTiger


class Task:
    """A task of a TaskTiger instance, new (to be delayed) or loaded from storage.

    Args:
        tiger: the owning instance.
        func: the task function; options stored by ``@task`` apply.
        args: positional arguments.
        kwargs: keyword arguments.
        **options: the options of :meth:`TaskTiger.delay` (they win over the
            decorator's).
    """

    def __init__(
        self,
        tiger: TaskTiger,
        func: Callable[..., Any] | None = None,
        args: Sequence[Any] | None = None,
        kwargs: Mapping[str, Any] | None = None,
        *,
        _stored: StoredTask | None = None,
        **options: Any,
    ) -> None:
        """Build a new task from a call, or wrap one read from storage."""
        self.tiger = tiger
        self._stored = _stored
        self.executions: list[dict[str, Any]] = []
        if _stored is not None:
            assert _stored.data is not None
            self._data = _stored.data
            self._queue: str = _stored.queue
            self._state: TaskState | None = _stored.state
            self.executions = list(_stored.executions)
            return
        if func is None:
            raise TypeError("Task() needs a function")
        explicit = make_options(**options)
        resolved = explicit.merged_over(function_options(func))
        self._queue = resolved.queue or tiger.config.DEFAULT_QUEUE
        self._state = None
        # As in TaskTiger, a decorator's hard_timeout is read from the function by
        # the worker, so only an explicit one is stored with the task.
        stored = resolved.model_copy(update={"hard_timeout": explicit.hard_timeout})
        self._data = build_task(
            serialize_func_name(func), args, kwargs, stored, tiger.config
        )

    # -- properties ----------------------------------------------------------

    @property
    def id(self) -> str:
        """The task id (64 hex characters)."""
        return self._data.id

    @property
    def data(self) -> dict[str, Any]:
        """The payload as stored (TaskTiger's task JSON)."""
        return self._data.to_wire()

    @property
    def queue(self) -> str:
        """The queue name."""
        return self._queue

    @property
    def state(self) -> str | None:
        """The state the task was loaded from or delayed into."""
        return str(self._state) if self._state else None

    @property
    def serialized_func(self) -> str:
        """The function's ``module:qualname``."""
        return self._data.func

    @property
    def func(self) -> Callable[..., Any]:
        """The task function, imported on first use (raises TaskImportError)."""
        func: Callable[..., Any] = import_attribute(self._data.func)
        return func

    @property
    def args(self) -> list[Any]:
        """Positional arguments."""
        return self._data.call_args

    @property
    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments."""
        return self._data.call_kwargs

    @property
    def hard_timeout(self) -> float | None:
        """The hard timeout stored with the task, if any."""
        return self._data.hard_timeout

    @property
    def unique(self) -> bool:
        """Whether the task is unique."""
        return self._data.is_unique

    @property
    def retry_method(self) -> tuple[str, list[Any]] | None:
        """The serialized retry method, ``(path, args)``."""
        return self._data.retry_method

    @property
    def retry_on(self) -> list[str] | None:
        """Exception class paths that trigger a retry."""
        return self._data.retry_on

    @property
    def ts(self) -> dt.datetime | None:
        """The score in the task's state (a naive UTC datetime), when loaded."""
        return epoch_to_datetime(self._stored.score if self._stored else None)

    @property
    def time_last_queued(self) -> dt.datetime | None:
        """When the task was last queued (naive UTC)."""
        return epoch_to_datetime(self._data.time_last_queued)

    @property
    def scheduled_at(self) -> dt.datetime | None:
        """When the task was due when queued (naive UTC)."""
        return epoch_to_datetime(self._data.scheduled_at)

    # -- actions ---------------------------------------------------------------

    def delay(
        self,
        when: dt.datetime | dt.timedelta | None = None,
        max_queue_size: int | None = None,
    ) -> None:
        """Queue the task now, or schedule it for ``when``.

        ``max_queue_size`` is accepted for TaskTiger compatibility; its limit is not
        enforced yet.
        """
        del max_queue_size
        now = self.tiger.clock.now()
        self._data, self._state = enqueue_task(
            self.tiger.store,
            self._data,
            queue=self._queue,
            when=when_to_epoch(when, now),
            now=now,
        )

    def retry(self) -> None:
        """Move an errored task back to queued (raises TaskNotFound otherwise)."""
        self._move(TaskState.ERROR, TaskState.QUEUED)

    def cancel(self) -> None:
        """Remove a scheduled task (raises TaskNotFound otherwise)."""
        self._move(TaskState.SCHEDULED, None)

    def delete(self) -> None:
        """Remove an errored task (raises TaskNotFound otherwise)."""
        self._move(TaskState.ERROR, None)

    def _move(self, from_state: TaskState, to_state: TaskState | None) -> None:
        self.tiger.store.move(
            self._queue,
            self.id,
            from_state=from_state,
            to_state=to_state,
            score=self.tiger.clock.now(),
        )
        self._state = to_state

    def n_executions(self) -> int:
        """Return the number of failed executions so far."""
        state = self._state or TaskState.QUEUED
        return self.tiger.store.get(self._queue, state, self.id).executions_count

    # -- loading -----------------------------------------------------------------

    @classmethod
    def from_id(
        cls,
        tiger: TaskTiger,
        queue: str,
        state: str,
        task_id: str,
        load_executions: int = 0,
    ) -> Task:
        """Load a task; raises TaskNotFound when it is not in that queue and state."""
        stored = tiger.store.get(
            queue, TaskState(state), task_id, executions=load_executions
        )
        if stored.data is None:
            raise TaskNotFound(stored.problem or f"Task {task_id} not found.")
        return cls(tiger, _stored=stored)

    @classmethod
    def tasks_from_queue(  # noqa: PLR0913, PLR0917 - TaskTiger's public signature
        cls,
        tiger: TaskTiger,
        queue: str,
        state: str,
        skip: int = 0,
        limit: int = 1000,
        load_executions: int = 0,
        include_not_found: bool = False,
    ) -> tuple[int, list[Task]]:
        """Return the number of tasks in the state and a page of them, oldest first.

        Tasks whose payload vanished are skipped unless ``include_not_found``, in
        which case they come back with only their id.
        """
        total, stored = tiger.store.list_tasks(
            queue, TaskState(state), skip=skip, limit=limit, executions=load_executions
        )
        tasks: list[Task] = []
        for item in stored:
            if item.data is not None:
                tasks.append(cls(tiger, _stored=item))
            elif include_not_found:
                placeholder = TaskData(id=item.id, func="")
                tasks.append(
                    cls(tiger, _stored=item.model_copy(update={"data": placeholder}))
                )
        return total, tasks

    def __repr__(self) -> str:
        """Show the function and id."""
        return f"<Task {self.serialized_func} {self.id}>"
