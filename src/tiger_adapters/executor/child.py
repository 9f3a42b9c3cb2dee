"""Running the tasks of one execution request: the code both executors share.

:func:`run_request` imports the task function, runs the calls under a soft SIGALRM
timeout and turns any exception, including ``SystemExit``, into an
:class:`~tiger_core.model.execution.ExecutionReport`. It never raises for a task's
failure, and it never touches storage: the caller decides what the report means.
"""

from __future__ import annotations

import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from tiger_adapters.executor.context import bound_host, running
from tiger_core.errors import JobTimeoutException, RetryException
from tiger_core.functions import exception_name, import_attribute
from tiger_core.model.execution import (
    ExecutionRecord,
    ExecutionReport,
    ExecutionRequest,
)
from tiger_core.policies.retry import retry_from_option

#: Delay used to re-arm an outer timer that would have fired during the task.
_MIN_REARM = 0.001


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
            call_directly(func, request, is_batch=is_batch)


def call_directly(
    func: Callable[..., Any], request: ExecutionRequest, *, is_batch: bool
) -> None:
    """Call ``func`` as a batch (one call, longest timeout) or once per task."""
    if is_batch:
        batch = [{"args": t.args, "kwargs": t.kwargs} for t in request.tasks]
        with soft_timeout(max(task.hard_timeout for task in request.tasks)):
            func(batch)
        return
    for task in request.tasks:
        with soft_timeout(task.hard_timeout):
            func(*task.args, **task.kwargs)


def _failure_record(
    exc: BaseException,
    *,
    time_started: float,
    host: str,
    request: ExecutionRequest,
) -> ExecutionRecord:
    """Build the execution record of a failed group (compat section 3.5)."""
    text: str | None = "".join(traceback.format_exception(exc))
    fields: dict[str, Any] = {}
    if isinstance(exc, RetryException):
        fields["retry"] = True
        if exc.method is not None:
            fields["retry_method"] = _wire_method(exc.method)
        fields["log_error"] = exc.log_error
        text = exc.original_traceback_text() or text
    return ExecutionRecord(
        time_started=time_started,
        exception_name=exception_name(type(exc)),
        time_failed=time.time(),
        traceback=text if request.store_tracebacks else None,
        success=False,
        host=host,
        **fields,
    )


def _wire_method(method: Any) -> tuple[str, list[Any]] | None:
    """Serialize a RetryException's method (policy, function or ``(f, args)``)."""
    try:
        path, args = retry_from_option(method).to_wire()
    except (ValueError, TypeError):  # not importable elsewhere: use the task's own
        return None
    return (path, list(args))


@contextmanager
def soft_timeout(seconds: float) -> Iterator[None]:
    """Raise :class:`JobTimeoutException` in the block after ``seconds``.

    Uses ``SIGALRM`` through ``setitimer(ITIMER_REAL)``, so it only works in the
    main thread; elsewhere the block runs without a timeout. The previous handler
    is restored afterwards and an outer timer (for example pytest-timeout's) is
    re-armed with the time it had left.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _on_alarm(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        raise JobTimeoutException(
            f"Job exceeded maximum timeout value ({seconds:g} seconds)."
        )

    previous = signal.signal(signal.SIGALRM, _on_alarm)
    armed_at = time.monotonic()
    outer_delay, outer_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        try:  # an alarm already pending is handled here, before the restore below
            signal.setitimer(signal.ITIMER_REAL, 0)
        finally:
            signal.signal(
                signal.SIGALRM, signal.SIG_DFL if previous is None else previous
            )
            if outer_delay > 0:
                left = outer_delay - (time.monotonic() - armed_at)
                signal.setitimer(
                    signal.ITIMER_REAL, max(left, _MIN_REARM), outer_interval
                )
