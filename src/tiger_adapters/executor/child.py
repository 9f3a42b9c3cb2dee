"""Running the tasks of one execution request: the code both executors share.

:func:`run_request` imports the task function, runs the calls under a soft SIGALRM
timeout and turns any exception, including ``SystemExit``, into an
:class:`~tiger_core.model.execution.ExecutionReport`. It never raises for a task's
failure, and it never touches storage: the caller decides what the report means.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tiger_adapters.executor.calls import (
    Call,
    call_directly,
    failure_fields,
    soft_timeout,
)
from tiger_adapters.executor.context import bound_host, running
from tiger_core.functions import import_attribute
from tiger_core.model.execution import (
    ExecutionRecord,
    ExecutionReport,
    ExecutionRequest,
)

__all__ = ["call_directly", "run_request", "soft_timeout"]


def run_request(request: ExecutionRequest, *, host: str) -> ExecutionReport:
    """Run every task of ``request`` in this process and report the outcome.

    A batch function (one with a true ``_task_batch`` attribute) is called once
    with a list of ``{"args": ..., "kwargs": ...}`` dicts under the longest hard
    timeout of the group. Any other function is called once per task, in order,
    each call under its own hard timeout; the first exception stops the group.

    Args:
        request: the function and the calls to run.
        host: the host name written into a failure record.

    Returns:
        A success report, or a failure report whose record describes the first
        exception (an import failure included). Nothing is raised for a task.
    """
    time_started = time.time()
    try:
        func = import_attribute(request.func)
        _call(func, request)
    except BaseException as exc:  # every task outcome is reported
        record = _failure_record(
            exc, time_started=time_started, host=host, request=request
        )
        return ExecutionReport(success=False, record=record)
    return ExecutionReport(success=True)


def _call(func: Callable[..., Any], request: ExecutionRequest) -> None:
    """Call ``func`` for the tasks of ``request``, through the bound host if any.

    The host (the facade's TaskTiger) enters its ``CHILD_CONTEXT_MANAGERS`` and
    calls through the request's runner class; without a host the calls are direct.
    """
    is_batch = bool(getattr(func, "_task_batch", False))
    host = bound_host()
    with running(request, is_batch=is_batch, host=host) as now_running:
        if host is not None:
            host.execute_running(now_running, func)
        else:
            call_directly(func, _calls(request), is_batch=is_batch)


def _calls(request: ExecutionRequest) -> list[Call]:
    """The calls of ``request`` as :func:`call_directly` takes them."""
    return [(task.args, task.kwargs, task.hard_timeout) for task in request.tasks]


def _failure_record(
    exc: BaseException,
    *,
    time_started: float,
    host: str,
    request: ExecutionRequest,
) -> ExecutionRecord:
    """Build the execution record of a failed group (compat section 3.5)."""
    return ExecutionRecord(
        **failure_fields(
            exc,
            time_started=time_started,
            host=host,
            store_tracebacks=request.store_tracebacks,
        )
    )
