"""Helpers for users' own tests (``tasktiger.test_helpers``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tiger_adapters.compat.task import Task
from tiger_adapters.compat.worker import Worker
from tiger_core.model.state import TaskState

if TYPE_CHECKING:
    from tiger_adapters.compat.tiger import TaskTiger


class TaskTigerTestMixin:
    """Mix into a test case to run a worker until the queues are drained."""

    def run_worker(
        self, tiger: TaskTiger, raise_on_errors: bool = True, **worker_kwargs: Any
    ) -> None:
        """Run a worker twice with ``once=True``, then report errored tasks.

        The second run executes scheduled tasks that came due during the first.
        Each errored task is printed with its last traceback (or, when tracebacks
        are not stored, its exception name; TaskTiger raised KeyError there).

        Args:
            tiger: the instance to run.
            raise_on_errors: raise when any task is in the error state.
            **worker_kwargs: passed to :class:`Worker`; TaskTiger's
                ``executor_class=`` (a class) is accepted too.

        Raises:
            Exception: "One or more tasks have failed." (with raise_on_errors).
        """
        executor_class = worker_kwargs.pop("executor_class", None)
        if executor_class is not None:
            worker_kwargs["executor"] = executor_class()
        for _ in range(2):
            Worker(tiger, **worker_kwargs).run(once=True)
        if print_errored_tasks(tiger) and raise_on_errors:
            raise Exception("One or more tasks have failed.")


def print_errored_tasks(tiger: TaskTiger) -> bool:
    """Print every errored task with its last failure; return whether any exist."""
    found = False
    for queue in sorted(tiger.store.queue_names(TaskState.ERROR)):
        _, tasks = Task.tasks_from_queue(
            tiger, queue, TaskState.ERROR, load_executions=1
        )
        for task in tasks:
            execution = task.executions[-1] if task.executions else {}
            detail = execution.get("traceback") or execution.get(
                "exception_name", "(no execution record)"
            )
            print(f"\n{task!r} failed:\n{detail}")
            found = True
    return found
