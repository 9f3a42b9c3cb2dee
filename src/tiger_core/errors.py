"""Exceptions of the Tiger domain.

The names follow TaskTiger's public exceptions so that user code written for TaskTiger
keeps working. Their *wire names* (how they are spelled in execution records) are listed
in :data:`WIRE_NAMES`, which keeps Tiger's records readable by a TaskTiger process.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tiger_core.policies.retry import RetryOption


class TigerError(Exception):
    """Base class of Tiger's own, catchable errors."""


class TaskNotFound(TigerError):
    """A task is not where the caller expected it (queue, state or payload missing)."""


class LeaseLost(TigerError):
    """A worker tried to move a task out of ``active`` that it no longer owns.

    Raised when the worker's lease on the task expired or the task was handed to
    another worker; the task is left untouched.
    """


class MalformedTask(TigerError):
    """A stored task payload cannot be decoded; recorded, never raised by a worker."""


class PayloadTooLarge(TigerError, ValueError):
    """A task's JSON is over ``MAX_PAYLOAD_BYTES``; raised before any write."""


class StorageFull(TigerError):
    """The storage refused a write for lack of memory (Redis ``maxmemory``).

    Raised by an enqueue, which then wrote nothing; workers keep draining tasks.
    A bulk enqueue whose queues are written separately may be refused in part:
    ``queued`` and ``not_queued`` then name the task ids of each kind (both empty
    when nothing was written), so a caller retries only ``not_queued``.

    Args:
        message: what was refused, and why.
        queued: ids of the tasks that were queued despite the refusal.
        not_queued: ids of the tasks that were not queued.
    """

    def __init__(
        self,
        message: str,
        *,
        queued: Sequence[str] = (),
        not_queued: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.queued = list(queued)
        self.not_queued = list(not_queued)


class ConfigError(TigerError, ValueError):
    """A configuration value is invalid; the message names the key and the value."""


class TaskImportError(ImportError):
    """A task function, exception class or retry function cannot be imported."""


class StopRetry(Exception):
    """Raised by a custom retry function to stop retrying."""


class JobTimeoutException(BaseException):
    """A task ran past its hard timeout."""


class QueueFullException(BaseException):
    """``delay`` refused a task because its queue holds ``max_queue_size`` tasks."""


class RetryException(BaseException):
    """Raised inside a task to ask for a retry.

    Args:
        method: a retry policy (or TaskTiger's ``(f, args)`` pair, or a function)
            that overrides the task's own for this failure.
        original_traceback: store the traceback of the exception being handled
            when this one is created, instead of this exception's own.
        log_error: when False, a permanent failure is logged as a warning and the
            task is deleted instead of being moved to the error state.
    """

    def __init__(
        self,
        method: RetryOption | None = None,
        original_traceback: bool = False,
        log_error: bool = True,
    ) -> None:
        """Capture the retry method and, on request, the traceback being handled."""
        super().__init__()
        self.method = method
        self.log_error = log_error
        self.exc_info = sys.exc_info() if original_traceback else None

    def original_traceback_text(self) -> str | None:
        """Return the formatted traceback captured at construction, if any."""
        if self.exc_info is None or self.exc_info[0] is None:
            return None
        import traceback  # noqa: PLC0415 - kept out of the fork server's imports

        return "".join(traceback.format_exception(*self.exc_info))


#: How Tiger's exceptions are named in stored execution records. TaskTiger names
#: them by their ``tasktiger.exceptions`` path; Tiger writes the same names so that
#: a TaskTiger worker's ``retry_on`` matching sees the classes it knows.
WIRE_NAMES: dict[type[BaseException], str] = {
    JobTimeoutException: "tasktiger.exceptions:JobTimeoutException",
    RetryException: "tasktiger.exceptions:RetryException",
    TaskImportError: "tasktiger.exceptions:TaskImportError",
    QueueFullException: "tasktiger.exceptions:QueueFullException",
    StopRetry: "tasktiger.exceptions:StopRetry",
    TaskNotFound: "tasktiger.exceptions:TaskNotFound",
    MalformedTask: "tiger_core.errors:MalformedTask",
}
