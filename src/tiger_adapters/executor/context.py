"""Which tasks are running in this process right now.

Set by :func:`tiger_adapters.executor.child.run_request` around the calls, in the fork
child or in-process; read by the facade (``TaskTiger.current_task``) and by the
logging processor that adds the running task's id to user log lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from tiger_core.model.execution import ExecutionRequest


@dataclass(frozen=True)
class RunningTasks:
    """The request being executed.

    Attributes:
        request: the function, queue and task calls being run.
        is_batch: whether the function receives all tasks in one call.
    """

    request: ExecutionRequest
    is_batch: bool

    @property
    def task_ids(self) -> list[str]:
        """The ids of the running tasks."""
        return [task.id for task in self.request.tasks]

    @property
    def func(self) -> str:
        """The running function's ``module:qualname``."""
        return self.request.func

    @property
    def queue(self) -> str:
        """The queue the tasks came from."""
        return self.request.queue


_current: ContextVar[RunningTasks | None] = ContextVar("tiger_running", default=None)


def current() -> RunningTasks | None:
    """Return the tasks running in this process, or None outside a task."""
    return _current.get()


@contextmanager
def running(request: ExecutionRequest, *, is_batch: bool) -> Iterator[RunningTasks]:
    """Mark ``request`` as running for the duration of the block."""
    token = _current.set(RunningTasks(request=request, is_batch=is_batch))
    try:
        yield _current.get()  # type: ignore[misc]
    finally:
        _current.reset(token)
