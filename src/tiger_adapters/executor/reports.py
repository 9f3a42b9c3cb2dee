"""Failure reports that the fork parent writes for a child that sent none.

Both records follow compat section 3.5: the parent's own ``time_started``, the
exception name, ``time_failed`` and ``host``. The traceback field, when tracebacks
are stored, holds one line saying what the parent saw.
"""

from __future__ import annotations

import os
import signal
import time

from tiger_adapters.executor.errors import ChildCrashed
from tiger_core.errors import JobTimeoutException
from tiger_core.functions import exception_name
from tiger_core.model.execution import (
    ExecutionRecord,
    ExecutionReport,
    ExecutionRequest,
)


def killed_report(
    request: ExecutionRequest, *, host: str, time_started: float, timeout: float
) -> ExecutionReport:
    """Report a child that the parent SIGKILLed at the hard deadline.

    Args:
        request: the request the child ran.
        host: the host name for the record.
        time_started: when the parent forked the child (epoch seconds).
        timeout: the seconds the child was given before the kill.
    """
    text = f"JobTimeoutException: child killed by the parent after {timeout:g} s"
    return _failure(
        request, JobTimeoutException, text, host=host, time_started=time_started
    )


def shutdown_report(
    request: ExecutionRequest, *, host: str, time_started: float
) -> ExecutionReport:
    """Report a task killed because the worker was told twice to stop.

    Recorded as a ``JobTimeoutException``, like a worker lost by crash recovery:
    the task is retried if its retry policy covers that, else it goes to error.
    """
    text = "JobTimeoutException: worker shutdown: killed by a second stop signal"
    return _failure(
        request, JobTimeoutException, text, host=host, time_started=time_started
    )


def fenced_report(
    request: ExecutionRequest, *, host: str, time_started: float
) -> ExecutionReport:
    """Report a child killed because another worker took its tasks over.

    The worker's moves are owner-checked, so this record is never stored: the
    settle step gets ``LeaseLost`` and the new owner's outcome stands.
    """
    text = "JobTimeoutException: lease lost: killed to stop a second execution"
    return _failure(
        request, JobTimeoutException, text, host=host, time_started=time_started
    )


def crash_report(
    request: ExecutionRequest,
    *,
    pid: int,
    status: int,
    host: str,
    time_started: float,
) -> ExecutionReport:
    """Report a child that ended without a valid report, as a ``ChildCrashed``.

    Args:
        request: the request the child ran.
        pid: the child's process id.
        status: the child's ``waitpid`` status.
        host: the host name for the record.
        time_started: when the parent forked the child (epoch seconds).
    """
    text = (
        f"ChildCrashed: child process {pid} {describe_status(status)} without a report"
    )
    return _failure(request, ChildCrashed, text, host=host, time_started=time_started)


def describe_status(status: int) -> str:
    """Say how a child ended, from its ``waitpid`` status.

    Returns:
        ``"exited with code N"`` or ``"was killed by signal N (NAME)"``.
    """
    code = os.waitstatus_to_exitcode(status)
    if code >= 0:
        return f"exited with code {code}"
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = "unknown"
    return f"was killed by signal {-code} ({name})"


def _failure(
    request: ExecutionRequest,
    exc_type: type[BaseException],
    text: str,
    *,
    host: str,
    time_started: float,
) -> ExecutionReport:
    record = ExecutionRecord(
        time_started=time_started,
        exception_name=exception_name(exc_type),
        time_failed=time.time(),
        traceback=text if request.store_tracebacks else None,
        success=False,
        host=host,
    )
    return ExecutionReport(success=False, record=record)
