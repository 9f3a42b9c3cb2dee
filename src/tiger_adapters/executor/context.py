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

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol

from tiger_adapters.executor import pending
from tiger_core.functions import import_attribute
from tiger_core.model.execution import ExecutionRequest


class Host(Protocol):
    """Runs the tasks of a request on behalf of a facade instance."""

    def execute_running(self, running: RunningTasks, func: Callable[..., Any]) -> None:
        """Call ``func`` for the running tasks (runner, context managers, timeouts).

        Raises:
            BaseException: whatever the task raised; the caller records it.
        """
        ...

    def runs_plainly(self, request: ExecutionRequest) -> bool:
        """Whether :meth:`execute_running` would only call the function directly.

        True when no runner class and no context manager is involved: such a
        request may then run in a fork-server child, which has no host.
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
    """Return the tasks running in this process, or None outside a task.

    In a fork-server child the request is left as plain data
    (:mod:`~tiger_adapters.executor.pending`); it is turned into the view here.
    """
    value = _current.get()
    if value is None and (left := pending.peek()) is not None:
        value = pending.cached()
        if value is None:
            request, is_batch = left
            value = RunningTasks(
                request=ExecutionRequest.model_validate(request),
                is_batch=is_batch,
                host=_located_host(request.get("host_path")),
            )
            pending.cache(value)
    return value


def _located_host(path: str | None) -> Any:
    """The worker's host as this process imported it (``module:attr``), or None."""
    if not path:
        return None
    try:
        return import_attribute(path)
    except Exception:  # no host: current_instance is None
        return None


def locate(host: object) -> str | None:
    """A ``module:attr`` path under which ``host`` is a module global, or None.

    A fork-server child finds the worker's host (e.g. the app's ``TaskTiger``)
    again under that path, in the task modules the server imported.
    """
    for name, module in list(sys.modules.items()):
        namespace = getattr(module, "__dict__", None)
        if name == "__main__" or not isinstance(namespace, dict):
            continue
        for attr, value in list(namespace.items()):
            if value is host:
                return f"{name}:{attr}"
    return None


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
