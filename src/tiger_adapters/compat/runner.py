"""Runner classes: how a task function is called (TaskTiger's ``tasktiger.runner``).

A task (or its decorator) names a runner with ``runner_class=``; the worker then
calls the function through it. ``run_single_task`` and ``run_batch_tasks`` run in
the fork child (or in-process with the sync executor), inside the config's
``CHILD_CONTEXT_MANAGERS``; ``run_eager_task`` runs for ``Task.execute`` and
``ALWAYS_EAGER``; ``on_permanent_error`` runs in the worker process after the task
moved to the error state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

from tiger_adapters.executor.child import soft_timeout
from tiger_adapters.executor.context import RunningTasks
from tiger_core.errors import TaskImportError
from tiger_core.functions import import_attribute

if TYPE_CHECKING:
    from tiger_adapters.compat.task import Task
    from tiger_adapters.compat.tiger import TaskTiger


class BaseRunner:
    """The hooks a runner class provides; subclass it (or DefaultRunner).

    Args:
        tiger: the TaskTiger instance running the tasks.
    """

    def __init__(self, tiger: TaskTiger) -> None:
        """Keep the instance for the hooks."""
        self.tiger = tiger

    def run_single_task(self, task: Task, hard_timeout: float) -> None:
        """Run one task; raise to fail it."""
        raise NotImplementedError("Single tasks are not supported.")

    def run_batch_tasks(self, tasks: list[Task], hard_timeout: float) -> None:
        """Run the tasks of a batch function in one call; raise to fail them all."""
        raise NotImplementedError("Batch tasks are not supported.")

    def run_eager_task(self, task: Task) -> Any:
        """Run a task in-process (``Task.execute``) and return its result."""
        raise NotImplementedError("Eager tasks are not supported.")

    def on_permanent_error(self, task: Task, execution: dict[str, Any] | None) -> None:
        """Called in the worker process once the task is in the error state."""


class DefaultRunner(BaseRunner):
    """Calls the function directly, under the hard timeout (SIGALRM)."""

    def run_single_task(self, task: Task, hard_timeout: float) -> None:
        """Call ``func(*args, **kwargs)`` under ``hard_timeout``."""
        with soft_timeout(hard_timeout):
            task.func(*task.args, **task.kwargs)

    def run_batch_tasks(self, tasks: list[Task], hard_timeout: float) -> None:
        """Call ``func([{"args": ..., "kwargs": ...}, ...])`` under one timer."""
        params = [{"args": task.args, "kwargs": task.kwargs} for task in tasks]
        with soft_timeout(hard_timeout):
            tasks[0].func(params)

    def run_eager_task(self, task: Task) -> Any:
        """Call the function now (a batch function gets a one-element list)."""
        func = task.func
        if getattr(func, "_task_batch", False):
            return func([{"args": task.args, "kwargs": task.kwargs}])
        return func(*task.args, **task.kwargs)


def get_runner_class(tasks: Sequence[Task]) -> type[BaseRunner]:
    """Return the runner class shared by ``tasks`` (DefaultRunner when none).

    Raises:
        ValueError: the tasks name different runner classes.
        TaskImportError: the runner class cannot be imported.
    """
    paths = {task.serialized_runner_class for task in tasks}
    if len(paths) > 1:
        raise ValueError("Found multiple runner classes in batch task.")
    path = paths.pop() if paths else None
    if not path:
        return DefaultRunner
    runner_class = import_attribute(path)
    if not (isinstance(runner_class, type) and issubclass(runner_class, BaseRunner)):
        raise TaskImportError(f"{path!r} is not a runner class (BaseRunner subclass)")
    return runner_class


def execute_running(
    tiger: TaskTiger, running: RunningTasks, func: Callable[..., Any]
) -> None:
    """Run the tasks of ``running`` through their runner, in the context managers.

    This is what the executor child calls for a bound TaskTiger (see
    :func:`tiger_adapters.executor.context.bind_host`).
    """
    del func  # the runner imports it through Task.func
    tasks = tiger.tasks_of(running)
    runner = get_runner_class(tasks)(tiger)
    calls = running.request.tasks
    with ExitStack() as stack:
        for manager in tiger.config.CHILD_CONTEXT_MANAGERS:
            stack.enter_context(manager)
        if running.is_batch:
            runner.run_batch_tasks(tasks, max(call.hard_timeout for call in calls))
            return
        for task, call in zip(tasks, calls, strict=True):
            runner.run_single_task(task, call.hard_timeout)
