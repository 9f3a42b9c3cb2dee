"""Turning an execution report into the task's next state."""

from __future__ import annotations

from tiger_core.errors import TaskImportError
from tiger_core.model.execution import ExecutionRecord
from tiger_core.model.task import TaskData
from tiger_core.policies.retry import RetryPolicy, exception_matches, retry_from_wire


def retry_delay(
    task: TaskData,
    record: ExecutionRecord,
    *,
    attempt: int,
    default: RetryPolicy,
) -> float | None:
    """Decide whether a failed task runs again, and after how many seconds.

    Follows TaskTiger: a RetryException retries with its own method, else the
    task's, else ``default``. Otherwise a task with a retry method retries when it
    has no ``retry_on`` list or when the recorded exception matches one of it.

    Args:
        task: the failed task's payload.
        record: the execution record of this failure.
        attempt: the number of failed executions including this one (1 or more).
        default: DEFAULT_RETRY_METHOD of the worker's config.

    Returns:
        The delay in seconds, or None to stop (error, or deletion when the record
        says ``log_error`` is False).
    """
    if record.retry:
        wire = record.retry_method or task.retry_method
        policy = retry_from_wire(wire) if wire else default
    elif task.retry_method is not None:
        if task.retry_on and not exception_matches(
            record.exception_name or "", task.retry_on
        ):
            return None
        policy = retry_from_wire(task.retry_method)
    else:
        return None
    try:
        return policy.next_delay(attempt)
    except TaskImportError:
        return None
