"""Task: one task, to queue, inspect, retry, cancel or delete (TaskTiger's Task)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from tiger_adapters.compat.options import epoch_to_datetime, task_blueprint
from tiger_adapters.compat.task_actions import TaskActions
from tiger_core.errors import TaskImportError, TaskNotFound
from tiger_core.functions import import_attribute, import_exception_class
from tiger_core.model.state import TaskState
from tiger_core.model.task import StoredTask, TaskData

if TYPE_CHECKING:
    from tiger_adapters.compat.tiger import TaskTiger


class Task(TaskActions):
    """A task of a TaskTiger instance, new (to be delayed) or loaded from storage.

    Args:
        tiger: the owning instance.
        func: the task function; options stored by ``@tiger.task`` apply.
        args: positional arguments.
        kwargs: keyword arguments.
        queue: the queue (default: the function's, else ``DEFAULT_QUEUE``).
        **options: hard_timeout, unique, unique_key, lock, lock_key, retry,
            retry_on, retry_method, max_queue_size, max_stored_executions,
            runner_class (they win over the decorator's).
        _data: a raw payload (dict or TaskData) of a loaded task; nothing is
            computed then. ``_state``, ``_ts`` and ``_executions`` go with it.
    """

    def __init__(
        self,
        tiger: TaskTiger,
        func: Callable[..., Any] | None = None,
        args: Sequence[Any] | None = None,
        kwargs: Mapping[str, Any] | None = None,
        queue: str | None = None,
        *,
        _data: TaskData | Mapping[str, Any] | None = None,
        _state: str | None = None,
        _ts: Any = None,
        _executions: list[dict[str, Any]] | None = None,
        **options: Any,
    ) -> None:
        """Build a new task from a call, or wrap a payload read from storage."""
        if func is not None and queue is None:
            queue = self.queue_from_function(func, tiger)
        self.tiger = tiger
        self._func = func
        self._queue = queue or tiger.config.DEFAULT_QUEUE
        self._state = str(TaskState(_state)) if _state else None
        self._ts = _ts
        self._executions = list(_executions or [])
        if _data is not None:
            self._data = (
                _data
                if isinstance(_data, TaskData)
                else TaskData.model_validate(dict(_data))
            )
            return
        if func is None:
            raise TypeError("Task() needs a function (or _data)")
        assert queue is not None  # the function's queue, else DEFAULT_QUEUE
        # Options resolved once per function and option set (see task_blueprint).
        blueprint = task_blueprint(func, queue, options, tiger.config)
        self._data = blueprint.build(args, kwargs)

    @classmethod
    def queue_from_function(cls, func: Callable[..., Any], tiger: TaskTiger) -> str:
        """Return the function's ``@task`` queue, else ``DEFAULT_QUEUE``."""
        queue = getattr(func, "_task_queue", None)
        return queue if isinstance(queue, str) else tiger.config.DEFAULT_QUEUE

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
        return self._state

    @property
    def serialized_func(self) -> str:
        """The function's ``module:qualname``."""
        return self._data.func

    @property
    def func(self) -> Callable[..., Any]:
        """The task function, imported on first use.

        Raises:
            TaskImportError: it cannot be imported.
        """
        if self._func is None:
            self._func = import_attribute(self._data.func)
        assert self._func is not None
        return self._func

    @property
    def args(self) -> list[Any]:
        """Positional arguments (empty when none)."""
        return self._data.call_args

    @property
    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments (empty when none)."""
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
    def unique_key(self) -> list[str] | str | None:
        """The kwarg names that form the unique id, if given."""
        return self._data.unique_key

    @property
    def lock(self) -> bool:
        """Whether the task takes a lock while it runs."""
        return bool(self._data.lock)

    @property
    def lock_key(self) -> list[str] | str | None:
        """The kwarg names that form the lock id, if given."""
        return self._data.lock_key

    @property
    def retry_method(self) -> tuple[str, list[Any]] | None:
        """The serialized retry method, ``(path, args)``."""
        return self._data.retry_method

    @property
    def retry_on(self) -> list[str] | None:
        """Exception class paths that trigger a retry."""
        return self._data.retry_on

    @property
    def max_stored_executions(self) -> int | None:
        """How many execution records are kept (None or 0: all)."""
        return self._data.max_stored_executions

    @property
    def serialized_runner_class(self) -> str | None:
        """The runner class's ``module:qualname``, if the task names one."""
        return self._data.runner_class

    @property
    def ts(self) -> Any:
        """The score of the task in its state, as TaskTiger gives it.

        A naive UTC datetime for loaded tasks, the epoch float for a task just
        delayed.
        """
        return self._ts

    @property
    def executions(self) -> list[dict[str, Any]]:
        """The execution records loaded with the task (newest last)."""
        return self._executions

    @property
    def time_last_queued(self) -> dt.datetime | None:
        """When the task was last queued (naive UTC)."""
        return epoch_to_datetime(self._data.time_last_queued)

    @property
    def scheduled_at(self) -> dt.datetime | None:
        """When the task was due when queued (naive UTC)."""
        return epoch_to_datetime(self._data.scheduled_at)

    def should_retry_on(
        self, exception_class: type[BaseException], logger: Any = None
    ) -> bool:
        """Whether ``exception_class`` is a subclass of a class in ``retry_on``.

        Classes that cannot be imported are logged (if ``logger``) and ignored.
        """
        for name in self.retry_on or []:
            try:
                candidate = import_exception_class(name)
            except TaskImportError:
                if logger is not None:
                    logger.error(
                        "should_retry_on could not import class", exception_name=name
                    )
                continue
            if issubclass(exception_class, candidate):
                return True
        return False

    # -- loading -----------------------------------------------------------------

    @classmethod
    def from_stored(cls, tiger: TaskTiger, stored: StoredTask) -> Task:
        """Wrap a task read through the store port."""
        data = stored.data or TaskData(id=stored.id, func="")
        return cls(
            tiger,
            queue=stored.queue,
            _data=data,
            _state=str(stored.state),
            _ts=epoch_to_datetime(stored.score),
            _executions=list(stored.executions),
        )

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
        return cls.from_stored(tiger, stored)

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

        The page holds the newest ``limit`` tasks after skipping the ``skip``
        newest. Tasks whose payload vanished are left out unless
        ``include_not_found``, in which case they come back with only their id.
        """
        total, stored = tiger.store.list_tasks(
            queue, TaskState(state), skip=skip, limit=limit, executions=load_executions
        )
        tasks = [
            cls.from_stored(tiger, item)
            for item in stored
            if item.data is not None or include_not_found
        ]
        return total, tasks

    def __repr__(self) -> str:
        """Show the function and id."""
        return f"<Task {self.serialized_func} {self.id}>"
