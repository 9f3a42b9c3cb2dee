"""An executor that runs the tasks in the worker's own process."""

from __future__ import annotations

import socket
from collections.abc import Callable

import structlog

from tiger_adapters.executor.child import run_request
from tiger_core.errors import JobTimeoutException
from tiger_core.model.execution import ExecutionReport, ExecutionRequest

_log = structlog.get_logger("tiger")


class InlineExecutor:
    """Runs each request in-process (``--executor sync`` and tests).

    There is no parent to enforce a hard deadline: only the soft SIGALRM timeout
    applies, and only in the main thread. A task that ignores it, crashes the
    interpreter or leaks state affects the worker itself.
    """

    def __init__(self) -> None:
        self._running = False

    def execute(
        self, request: ExecutionRequest, *, heartbeat: Callable[[], None]
    ) -> ExecutionReport:
        """Run every task of ``request`` and return its report.

        ``heartbeat`` is not called: nothing runs beside the task to call it, and
        the caller beats its tasks when they were claimed (or before a prefetched
        task starts, when the last beat is older than the heartbeat interval).
        """
        _log.info(
            "processing",
            func=request.func,
            queue=request.queue,
            task_ids=[task.id for task in request.tasks],
        )
        del heartbeat
        self._running = True
        try:
            return run_request(request, host=socket.gethostname())
        finally:
            self._running = False

    def interrupt(self) -> None:
        """Stop the running task now (a second stop signal, in the main thread).

        Raises ``JobTimeoutException("worker shutdown ...")`` into the task when one
        is running (this is called from a signal handler, so the exception lands in
        the task's frame and becomes its failure record); otherwise does nothing.
        """
        if self._running:
            self._running = False
            raise JobTimeoutException("worker shutdown: interrupted by a second signal")
