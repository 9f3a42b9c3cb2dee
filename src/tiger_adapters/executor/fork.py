"""An executor that runs each request in a forked child process.

The child runs :func:`~tiger_adapters.executor.child.run_request`, writes the
report as JSON to a pipe and ``os._exit``s; it never touches storage and never
returns into the parent's stack. The parent reads the pipe until EOF, beats the
heartbeat meanwhile, SIGKILLs the child at the hard deadline, always reaps it, and
turns a missing report into a failure record.

The fork is kept off the critical path: each execution hands its request to a
*spare* child forked earlier (see :mod:`~tiger_adapters.executor.process`) and,
while that child runs, forks the spare of the next execution. A spare forked
before the parent imported new modules or bound another host is discarded, and a
fresh child is forked for the request instead.
"""

from __future__ import annotations

import contextlib
import math
import os
import pickle
import random
import signal
import socket
import time
from collections.abc import Callable, Sequence
from typing import NoReturn

import structlog
from pydantic import ValidationError

from tiger_adapters.executor import forkserver
from tiger_adapters.executor.child import run_request
from tiger_adapters.executor.context import bound_host, locate
from tiger_adapters.executor.forkserver import ForkServer, start_timeout
from tiger_adapters.executor.heartbeat import Beats
from tiger_adapters.executor.messages import (
    runs_plainly,
    served_message,
    worker_message,
)
from tiger_adapters.executor.orphans import become_task_child, prctl_function
from tiger_adapters.executor.pipes import (
    EXIT_NO_REPORT,
    exit_child,
    read_all,
    write_and_close,
)
from tiger_adapters.executor.process import (
    ChildProcess,
    drain,
    fingerprint,
    fork_child,
    read_chunk,
)
from tiger_adapters.executor.reports import (
    crash_report,
    describe_status,
    fenced_report,
    killed_report,
    shutdown_report,
)
from tiger_adapters.logging import logging_configured
from tiger_core.errors import LeaseLost
from tiger_core.model.execution import ExecutionReport, ExecutionRequest

__all__ = ["EXIT_NO_REPORT", "ForkExecutor"]

_log = structlog.get_logger("tiger")

#: Longest wait between two checks that the child is still alive.
_POLL_CAP = 1.0
#: Failures in a row after which the fork server is given up for this executor.
_SERVER_ATTEMPTS = 3
#: An execution starting this long (s) after the previous one ended follows an
#: idle spell: the fork server's next spare is then asked for after the report.
_IDLE_GAP = 0.005


class ForkExecutor:
    """Runs each request in a forked child, under a parent-enforced deadline.

    Args:
        heartbeat_interval: seconds between two heartbeat calls while a child runs.
        kill_grace: seconds the child gets past the sum of its hard timeouts (its
            own soft timeout fires first) before the parent SIGKILLs it.
        spare: keep one child forked ahead of need (default). Without it, each
            execution forks its child on the spot.
        fork_server: fork the children of plain requests (see
            :func:`runs_plainly`) from a small fork server instead of this process
            (opt-in, Linux): a worker holding redis, pydantic and structlog takes
            several times longer to fork and to tear down than a process holding
            only the task modules. Its children see the task modules as the
            server imported them, not state this process built afterwards.
        preload: modules the fork server imports when it starts.
        lease: seconds a task's lease lasts without a heartbeat
            (ACTIVE_TASK_UPDATE_TIMEOUT); every wait on the fork server is bounded
            below it (see :func:`~tiger_adapters.executor.forkserver.start_timeout`).
    """

    def __init__(
        self,
        *,
        heartbeat_interval: float = 10.0,
        kill_grace: float = 5.0,
        spare: bool = True,
        fork_server: bool = False,
        preload: Sequence[str] = (),
        lease: float = 60.0,
    ) -> None:
        if heartbeat_interval <= 0:
            raise ValueError(f"heartbeat_interval must be > 0: {heartbeat_interval}")
        limit = start_timeout(lease, heartbeat_interval)  # checks the lease
        if kill_grace < 0:
            raise ValueError(f"kill_grace must be >= 0: {kill_grace}")
        self._heartbeat_interval = heartbeat_interval
        self._kill_grace = kill_grace
        self._use_spare = spare
        self._running: ChildProcess | None = None
        self._spare: ChildProcess | None = None
        self._interrupted = False
        prctl_function()  # loaded here once, not in every child
        self._server: ForkServer | None = None
        if fork_server and forkserver.supported():
            self._server = ForkServer(
                preload=preload,
                configure_logging=logging_configured(),
                start_timeout=limit,
            )
        self._server_failures = 0
        self._located: tuple[object, str | None] | None = None
        self._last_end = -math.inf  # monotonic end of the previous execution

    def interrupt(self) -> None:
        """SIGKILL the running child now (a second stop signal); safe in a handler.

        The current :meth:`execute` then returns a "worker shutdown" failure.
        """
        child = self._running
        if child is not None and child.status is None:
            self._interrupted = True
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGKILL)

    def close(self) -> None:
        """Stop and reap the spare child, if any (the worker is shutting down)."""
        spare, self._spare = self._spare, None
        if spare is not None:
            spare.dispose()
        if self._server is not None:
            self._server.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()

    def execute(
        self, request: ExecutionRequest, *, heartbeat: Callable[[], None]
    ) -> ExecutionReport:
        """Run ``request`` in a child process and return its report.

        A crash, an exit without a report or a kill at the deadline is reported
        as a failure, never raised. If the parent itself is interrupted (an
        exception escapes, e.g. from ``heartbeat``), the child is killed and reaped
        before the exception propagates. The heartbeat is called every heartbeat
        interval from the start, also while the fork server is awaited; a lease
        reported lost stops the execution (the child is killed, or never started).
        """
        # Back to back, the next spare is forked while this child runs. After an
        # idle spell it is forked after the report instead: the fork and the
        # spare's rehearsal would compete with this child's start for the CPUs.
        replenish_late = time.monotonic() - self._last_end > _IDLE_GAP
        host = socket.gethostname()
        time_started = time.time()
        beats = Beats(heartbeat, self._heartbeat_interval)
        try:
            served = self._start_served(request, host, beats)
        except LeaseLost:  # while the fork server was awaited: nothing started
            return fenced_report(request, host=host, time_started=time_started)
        child = served or self._start(worker_message(request, host))
        started = time.monotonic()  # the deadline runs from the child's start
        self._running, self._interrupted = child, False
        try:
            _log.info(
                "processing",
                func=request.func,
                queue=request.queue,
                task_ids=[task.id for task in request.tasks],
                child_pid=child.pid,
            )
            if self._use_spare and served is None:
                self._fork_spare(child)
            if served is not None and not replenish_late:
                self._replenish()
            report = self._supervise(
                child,
                request,
                beats,
                host=host,
                time_started=time_started,
                started=started,
            )
        finally:
            self._running = None
            child.dispose()
            self._last_end = time.monotonic()
            if served is not None and replenish_late:
                self._replenish()  # also after an exception: the next launch waits
        return report

    def _replenish(self) -> None:
        """Have the fork server fork the next spare (if it is still in use)."""
        if self._server is not None:
            self._server.replenish()

    def _start_served(
        self, request: ExecutionRequest, host: str, beats: Beats
    ) -> ChildProcess | None:
        """Have the fork server start the child of a plain request, else None.

        Raises:
            LeaseLost: ``beats`` reported the lease lost while the server was
                awaited.
        """
        server = self._server
        if server is None or not runs_plainly(request):
            return None
        message = served_message(request, host, self._host_path())
        try:
            child = server.launch(request.func, message, beats)
        except (OSError, EOFError, ValueError) as exc:
            self._server_failures += 1
            if self._server_failures >= _SERVER_ATTEMPTS:
                self._server = None
            _log.warning(
                "fork server failed, forking from the worker",
                error=str(exc),
                disabled=self._server is None,
            )
            return None
        self._server_failures = 0
        return child

    def _host_path(self) -> str | None:
        """Where a fork-server child finds the bound host (looked up once)."""
        host = bound_host()
        if host is None:
            return None
        if self._located is None or self._located[0] is not host:
            self._located = (host, locate(host))
        return self._located[1]

    def _fork_spare(self, running: ChildProcess) -> None:
        """Fork the next execution's child while ``running`` runs (best effort)."""
        try:
            self._spare = fork_child(_child_main, close_in_child=[running.report_fd])
        except OSError:  # out of processes or memory: the next one forks on the spot
            _log.warning("spare child not forked", exc_info=True)

    def _start(self, message: bytes) -> ChildProcess:
        """Hand ``message`` to the spare if it is still usable, else to a new child."""
        spare, self._spare = self._spare, None
        if spare is not None:
            if spare.born == fingerprint() and not spare.exited():
                with contextlib.suppress(BrokenPipeError):
                    spare.send(message)
                    return spare
            spare.dispose()
        child = fork_child(_child_main)
        try:
            child.send(message)
        except BaseException:
            child.dispose()
            raise
        return child

    def _supervise(
        self,
        child: ChildProcess,
        request: ExecutionRequest,
        beats: Beats,
        *,
        host: str,
        time_started: float,
        started: float,
    ) -> ExecutionReport:
        """Read the report until EOF while beating; kill the child at the deadline."""
        timeout = request.total_timeout + self._kill_grace
        deadline = started + timeout
        chunks: list[bytes] = []
        eof = False
        while not child.exited():
            now = time.monotonic()
            if now >= deadline:
                child.kill_and_reap()
                _log.warning("child killed", child_pid=child.pid, timeout=timeout)
                return killed_report(
                    request, host=host, time_started=time_started, timeout=timeout
                )
            if not beats.beat_if_due():  # self-fence: the tasks are lost
                child.kill_and_reap()
                _log.warning("child killed", child_pid=child.pid, reason="lease lost")
                return fenced_report(request, host=host, time_started=time_started)
            now = time.monotonic()
            wait = min(beats.until_next(now), deadline - now, _POLL_CAP)
            if child.wait_readable(wait, eof=eof):
                chunk = read_chunk(child.report_fd)
                eof = not chunk
                chunks.append(chunk)
                if eof and child.done_at_report:
                    report = _parse_report(b"".join(chunks))
                    if report is not None:  # its exit is the server's business
                        child.detach()
                        return report
        chunks.extend(drain(child.report_fd))  # written just before the exit
        report = _child_report(b"".join(chunks), child)
        if report is not None:  # even if a stop signal came after it was written
            return report
        if self._interrupted:
            _log.warning("child killed", child_pid=child.pid, reason="worker shutdown")
            return shutdown_report(request, host=host, time_started=time_started)
        return _crash(child, request, host=host, time_started=time_started)


def _child_report(data: bytes, child: ChildProcess) -> ExecutionReport | None:
    """Reap the child; the valid report it sent, or None if it sent none."""
    child.wait()
    return _parse_report(data)


def _parse_report(data: bytes) -> ExecutionReport | None:
    """The report in ``data``, or None if it is empty or not a valid report."""
    if data:
        with contextlib.suppress(ValidationError):
            return ExecutionReport.model_validate_json(data)
    return None


def _crash(
    child: ChildProcess, request: ExecutionRequest, *, host: str, time_started: float
) -> ExecutionReport:
    """A ChildCrashed failure for a (reaped) child that sent no valid report."""
    status = child.wait()
    _log.error("child crashed", child_pid=child.pid, status=describe_status(status))
    return crash_report(
        request, pid=child.pid, status=status, host=host, time_started=time_started
    )


def _child_main(request_fd: int, report_fd: int) -> NoReturn:
    """Wait for the request, run it, send the report, and exit; never returns."""
    code = EXIT_NO_REPORT
    try:
        become_task_child()  # an orphan must not run on while its task is rerun
        message = read_all(request_fd)
        if not message:  # the parent closed the pipe: not needed after all
            exit_child(0)
        request, host, context = pickle.loads(message)
        random.seed()
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(**context)
        report = run_request(request, host=host)
        write_and_close(report_fd, report.model_dump_json().encode())
        code = 0
    finally:
        exit_child(code)
