"""Ports of the worker runtime: executor, clock, work signal, error reporters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from tiger_core.model.execution import (
    ExecutionRecord,
    ExecutionReport,
    ExecutionRequest,
)
from tiger_core.model.task import StoredTask

T = TypeVar("T")


class Persist(Protocol):
    """Runs one storage call of a worker through a storage outage.

    The worker holds claimed tasks across the call (a finished task's outcome, a
    claim that may have been taken, the next task's lease): giving up on a
    transient failure would leave them to crash recovery. An implementation
    retries the call while the storage is unreachable, with backoff, and
    re-raises the last failure only once the worker must stop. Errors that are
    not about reachability (``LeaseLost``, bad input) are raised at once. Owner-
    checked store calls make a late or repeated call safe.
    """

    def __call__(self, action: Callable[[], T], /) -> T:
        """Call ``action`` until it gets through; return its result."""
        ...


class Executor(Protocol):
    """Runs the tasks of one request and reports what happened."""

    def execute(
        self, request: ExecutionRequest, *, heartbeat: Callable[[], None]
    ) -> ExecutionReport:
        """Run every task of ``request`` and return its report.

        A task's exception, a hard timeout or an import failure is reported, never
        raised. ``heartbeat`` is called at least every heartbeat interval while the
        tasks run, so the caller can renew its leases. When ``heartbeat`` raises
        ``LeaseLost`` (every task of the request was taken over by another worker),
        an executor that can stop the tasks does so at once (self-fencing) and
        reports a failure; any other exception of ``heartbeat`` is logged, not fatal.
        """
        ...


class Clock(Protocol):
    """The time source of a worker or a producer."""

    def now(self) -> float:
        """Return the current time in epoch seconds."""
        ...


class WorkSignal(Protocol):
    """A subscription to "queue X has new work" announcements (``P:activity``).

    Announcements can be missed (a reconnect, a producer that does not publish),
    so a worker must also re-read the queue set now and then; the signal only makes
    it react quickly.
    """

    def wait(self, timeout: float) -> set[str]:
        """Wait up to ``timeout`` seconds for announcements and return their queues.

        Returns as soon as at least one queue was announced (with every queue
        announced meanwhile), or an empty set at the timeout. A broken connection
        is not raised: it yields an empty set and is retried at the next call.
        """
        ...

    def close(self) -> None:
        """End the subscription."""
        ...


class ErrorReporter(Protocol):
    """Tells an outside service (Sentry, a logging handler) about failed executions."""

    def report(
        self, task: StoredTask, record: ExecutionRecord, *, permanent: bool
    ) -> None:
        """Report one stored failed execution of ``task`` (worker process only).

        ``permanent``: the task will not run again (error or deleted); False when a
        retry is scheduled. ``record.traceback`` is None when tracebacks are not
        stored; ``task.data`` is None for an undecodable payload. An exception
        raised here is logged by the worker and ignored; it runs between tasks, so
        it should not block for long.
        """
        ...
