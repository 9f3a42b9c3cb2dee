"""Which tasks are running in this process right now, and who runs them.

Set by :func:`tiger_adapters.executor.child.run_request` around the calls, in the fork
child or in-process, and by eager execution; read by the facade
(``TaskTiger.current_task``) and by the logging processor that adds the running
task's id to user log lines.

A *host* is the object (the facade's ``TaskTiger``) that a worker process runs tasks
for: it calls the function (through a TaskTiger-style runner class) inside its
``CHILD_CONTEXT_MANAGERS``. The worker binds it once with :func:`bind_host`; a fork
child inherits the binding. Without a host, functions are called directly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol

from tiger_core.model.execution import ExecutionRequest


class Host(Protocol):
    """Runs the tasks of a request on behalf of a facade instance."""

    def execute_running(self, running: RunningTasks, func: Callable[..., Any]) -> None:
        """Call ``func`` for the running tasks (runner, context managers, timeouts).

        Raises:
            BaseException: whatever the task raised; the caller records it.
        """
        ...


@dataclass(frozen=True)
class RunningTasks:
    """The request being executed.

    Attributes:
        request: the function, queue and task calls being run.
        is_batch: whether the function receives all tasks in one call.
        host: the facade instance running them (None when called directly).
    """

    request: ExecutionRequest
    is_batch: bool
    host: Any = None

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
_host: list[Host] = []


def current() -> RunningTasks | None:
    """Return the tasks running in this process, or None outside a task."""
    return _current.get()


def bind_host(host: Host | None) -> None:
    """Make ``host`` run this process's tasks from now on (None unbinds)."""
    _host[:] = [] if host is None else [host]


def bound_host() -> Host | None:
    """Return the host bound by :func:`bind_host`, if any."""
    return _host[0] if _host else None


@contextmanager
def running(
    request: ExecutionRequest, *, is_batch: bool, host: Any = None
) -> Iterator[RunningTasks]:
    """Mark ``request`` as running (for ``host``) for the duration of the block."""
    now_running = RunningTasks(request=request, is_batch=is_batch, host=host)
    token = _current.set(now_running)
    try:
        yield now_running
    finally:
        _current.reset(token)
