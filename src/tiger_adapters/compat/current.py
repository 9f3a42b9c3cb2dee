"""The running task as TaskTiger shows it: ``current_task`` and friends.

They read :mod:`tiger_adapters.executor.context`, which the executor child (or
eager execution) sets around the calls, so any instance sees the running task.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from tiger_adapters.compat.runner import execute_running, get_runner_class
from tiger_adapters.executor.context import RunningTasks, current
from tiger_core.model.execution import ExecutionRequest
from tiger_core.model.state import TaskState
from tiger_core.model.task import StoredTask, TaskData

if TYPE_CHECKING:
    from tiger_adapters.compat.task import Task
    from tiger_adapters.compat.tiger import TaskTiger

T = TypeVar("T")

_OUTSIDE = "Must be accessed from within a task."


class classproperty(Generic[T]):
    """A read-only property of the class (also readable on instances)."""

    def __init__(self, fget: Callable[[Any], T]) -> None:
        """Wrap ``fget(cls)``."""
        self.fget = fget

    def __get__(self, obj: object, owner: type | None = None) -> T:
        """Call the getter with the class."""
        return self.fget(owner)


def _running() -> RunningTasks:
    now_running = current()
    if now_running is None:
        raise RuntimeError(_OUTSIDE)
    return now_running


class CurrentTask:
    """The running-task properties and the worker hooks (a mixin of TaskTiger)."""

    @property
    def current_task(self) -> Task:
        """The running Task (RuntimeError outside a task or in a batch task)."""
        now_running = _running()
        if now_running.is_batch:
            raise RuntimeError("Must use current_tasks in a batch task.")
        return self.tasks_of(now_running)[0]

    @property
    def current_tasks(self) -> list[Task]:
        """The Tasks of the running batch (RuntimeError outside a batch task)."""
        now_running = _running()
        if not now_running.is_batch:
            raise RuntimeError("Must use current_task in a non-batch task.")
        return self.tasks_of(now_running)

    @property
    def current_serialized_func(self) -> str:
        """The ``module:qualname`` of the running function."""
        return _running().func

    @property
    def current_task_is_batch(self) -> bool:
        """Whether the running function is a batch function."""
        return _running().is_batch

    @classproperty
    def current_instance(cls) -> Any:
        """The TaskTiger running the current task (None outside a task)."""
        now_running = current()
        return None if now_running is None else now_running.host

    def tasks_of(self, running: RunningTasks) -> list[Task]:
        """Build Task objects for the calls of ``running`` (state ``active``)."""
        from tiger_adapters.compat.task import Task  # noqa: PLC0415 - cycle

        tiger = self._tiger()
        request = running.request
        tasks = []
        for call in request.tasks:
            data = call.data or TaskData(
                id=call.id,
                func=request.func,
                args=call.args or None,
                kwargs=call.kwargs or None,
                runner_class=request.runner_class,
            )
            tasks.append(Task(tiger, queue=request.queue, _data=data, _state="active"))
        return tasks

    def execute_running(self, running: RunningTasks, func: Callable[..., Any]) -> None:
        """Run tasks for the executor child (see ``context.Host``)."""
        execute_running(self._tiger(), running, func)

    def runs_plainly(self, request: ExecutionRequest) -> bool:
        """No runner class and no ``CHILD_CONTEXT_MANAGERS``: a direct call."""
        if self._tiger().config.CHILD_CONTEXT_MANAGERS or request.runner_class:
            return False
        return not any(
            call.data is not None and call.data.runner_class for call in request.tasks
        )

    def _tiger(self) -> TaskTiger:
        from tiger_adapters.compat.tiger import TaskTiger  # noqa: PLC0415 - cycle

        assert isinstance(self, TaskTiger)
        return self


class PermanentErrorHook:
    """Calls the runner's ``on_permanent_error`` in the worker process.

    An error reporter (``tiger_core.ports.ErrorReporter``) that the facade's Worker
    adds: it runs after a failure was stored, and acts only when the task moved to
    error (not retried, not deleted) and names a ``runner_class``.

    Args:
        tiger: the instance the runner is built with.
    """

    def __init__(self, tiger: TaskTiger) -> None:
        """Keep the instance."""
        self.tiger = tiger

    def report(self, task: StoredTask, record: Any, *, permanent: bool) -> None:
        """Call ``on_permanent_error(task, execution)`` when it applies."""
        from tiger_adapters.compat.task import Task  # noqa: PLC0415 - cycle

        data = task.data
        if not permanent or data is None or not data.runner_class:
            return
        if record.log_error is False:  # the task was deleted, not moved to error
            return
        loaded = Task(self.tiger, queue=task.queue, _data=data, _state=TaskState.ERROR)
        runner = get_runner_class([loaded])(self.tiger)
        runner.on_permanent_error(loaded, record.to_wire())
