"""An executor that runs the tasks in the worker's own process.

While a task runs, a background thread calls the execution's heartbeat every
``heartbeat_interval`` seconds, as the fork executor's parent does: the lease of
the running tasks, their task locks and the worker's queue slots are renewed by
those beats, so a sync task may run longer than ``ACTIVE_TASK_UPDATE_TIMEOUT``.

Limits of running in-process (the fork executor has none of them):

- No self-fencing. When a beat reports the lease lost (another worker's expiry
  scan took every task of the execution over, e.g. after Redis was unreachable
  for a whole lease), the task cannot be stopped: it runs to its end, the thread
  stops beating (the tasks are no longer this worker's: their task locks and the
  queue slot are then left to expire), and the outcome is discarded when it is
  settled ("lease lost"). The recovering worker's outcome stands.
- The beats need the GIL: a task holding it for longer than a lease (a long call
  into C code that does not release it) starves the thread, and the lease
  expires as if the worker had died.
- The thread sends its beats on the worker's task store: a Redis store shares it
  safely with a task that enqueues on the same instance (its kept connection is
  used by one thread at a time; another thread borrows a pool connection).
"""

from __future__ import annotations

import contextvars
import socket
import threading
from collections.abc import Callable
from types import TracebackType

import structlog

from tiger_adapters.executor.child import run_request
from tiger_adapters.executor.heartbeat import call_heartbeat
from tiger_core.errors import JobTimeoutException
from tiger_core.model.execution import ExecutionReport, ExecutionRequest

__all__ = ["BEAT_THREAD", "InlineExecutor"]

_log = structlog.get_logger("tiger")

#: The name of the heartbeat thread (one per running execution).
BEAT_THREAD = "tiger-heartbeat"


class InlineExecutor:
    """Runs each request in-process (``--executor sync`` and tests).

    There is no parent to enforce a hard deadline: only the soft SIGALRM timeout
    applies, and only in the main thread. A task that ignores it, crashes the
    interpreter or leaks state affects the worker itself.

    Args:
        heartbeat_interval: seconds between two heartbeat calls while a task
            runs (ACTIVE_TASK_UPDATE_TIMER).
    """

    def __init__(self, *, heartbeat_interval: float = 10.0) -> None:
        if heartbeat_interval <= 0:
            raise ValueError(f"heartbeat_interval must be > 0: {heartbeat_interval}")
        self._heartbeat_interval = heartbeat_interval
        self._running = False

    def execute(
        self, request: ExecutionRequest, *, heartbeat: Callable[[], None]
    ) -> ExecutionReport:
        """Run every task of ``request`` and return its report.

        ``heartbeat`` is called from a background thread every heartbeat
        interval until the tasks return (the first call one interval after the
        start: the caller beat the tasks when it claimed them). The thread is
        stopped and joined before the report is returned, so no beat runs after
        it. A ``LeaseLost`` ends the beats, not the task (see the module notes);
        any other error of a beat is logged and the next beat comes as usual.
        """
        _log.info(
            "processing",
            func=request.func,
            queue=request.queue,
            task_ids=[task.id for task in request.tasks],
        )
        with _Beating(heartbeat, self._heartbeat_interval):
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


class _Beating:
    """The heartbeat thread of one execution, started and joined as a context."""

    def __init__(self, heartbeat: Callable[[], None], interval: float) -> None:
        self._heartbeat = heartbeat
        self._interval = interval
        self._stop = threading.Event()
        context = contextvars.copy_context()  # the worker's log context
        self._thread = threading.Thread(
            target=context.run, args=(self._run,), name=BEAT_THREAD, daemon=True
        )

    def __enter__(self) -> None:
        self._thread.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()  # a beat in progress ends first: none after the report

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            if not call_heartbeat(self._heartbeat, fences=False):
                return  # the lease is lost: the tasks are another worker's now
