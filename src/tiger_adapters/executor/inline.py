"""An executor that runs the tasks in the worker's own process."""

from __future__ import annotations

import socket
from collections.abc import Callable

import structlog

from tiger_adapters.executor.child import run_request
from tiger_adapters.executor.heartbeat import call_heartbeat
from tiger_core.model.execution import ExecutionReport, ExecutionRequest

_log = structlog.get_logger("tiger")


class InlineExecutor:
    """Runs each request in-process (``--executor sync`` and tests).

    There is no parent to enforce a hard deadline: only the soft SIGALRM timeout
    applies, and only in the main thread. A task that ignores it, crashes the
    interpreter or leaks state affects the worker itself.
    """

    def execute(
        self, request: ExecutionRequest, *, heartbeat: Callable[[], None]
    ) -> ExecutionReport:
        """Beat once, then run every task of ``request`` and return its report."""
        _log.info(
            "processing",
            func=request.func,
            queue=request.queue,
            task_ids=[task.id for task in request.tasks],
        )
        call_heartbeat(heartbeat)
        return run_request(request, host=socket.gethostname())
