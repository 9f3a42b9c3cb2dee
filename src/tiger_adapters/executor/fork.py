"""An executor that runs each request in a forked child process.

The child runs :func:`~tiger_adapters.executor.child.run_request`, writes the
report as JSON to a pipe and ``os._exit``s; it never touches storage and never
returns into the parent's stack. The parent reads the pipe until EOF, beats the
heartbeat meanwhile, SIGKILLs the child at the hard deadline, always reaps it, and
turns a missing report into a failure record.
"""

from __future__ import annotations

import contextlib
import os
import random
import select
import signal
import socket
import sys
import time
from collections.abc import Callable
from typing import NoReturn

import structlog
from pydantic import ValidationError

from tiger_adapters.executor.child import run_request
from tiger_adapters.executor.heartbeat import call_heartbeat
from tiger_adapters.executor.reports import (
    crash_report,
    describe_status,
    killed_report,
    shutdown_report,
)
from tiger_core.model.execution import ExecutionReport, ExecutionRequest

_log = structlog.get_logger("tiger")

#: Exit status of a child that could not deliver its report (``EX_SOFTWARE``).
EXIT_NO_REPORT = 70
_READ_SIZE = 65536
#: Longest wait between two checks that the child is still alive.
_POLL_CAP = 1.0
#: Wait between two checks once the child has closed its end of the pipe.
_EXIT_POLL = 0.005


class ForkExecutor:
    """Runs each request in a forked child, under a parent-enforced deadline.

    Args:
        heartbeat_interval: seconds between two heartbeat calls while a child runs.
        kill_grace: seconds the child gets past the sum of its hard timeouts (its
            own soft timeout fires first) before the parent SIGKILLs it.
    """

    def __init__(
        self, *, heartbeat_interval: float = 10.0, kill_grace: float = 5.0
    ) -> None:
        if heartbeat_interval <= 0:
            raise ValueError(f"heartbeat_interval must be > 0: {heartbeat_interval}")
        if kill_grace < 0:
            raise ValueError(f"kill_grace must be >= 0: {kill_grace}")
        self._heartbeat_interval = heartbeat_interval
        self._kill_grace = kill_grace
        self._running: _Child | None = None
        self._interrupted = False

    def interrupt(self) -> None:
        """SIGKILL the running child now (a second stop signal); safe in a handler.

        The current :meth:`execute` then returns a "worker shutdown" failure.
        """
        child = self._running
        if child is not None and child.status is None:
            self._interrupted = True
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGKILL)

    def execute(
        self, request: ExecutionRequest, *, heartbeat: Callable[[], None]
    ) -> ExecutionReport:
        """Run ``request`` in a child process and return its report.

        A crash, an exit without a report or a kill at the deadline is reported
        as a failure, never raised. If the parent itself is interrupted (an
        exception escapes, e.g. from ``heartbeat``), the child is killed and reaped
        before the exception propagates.
        """
        host = socket.gethostname()
        time_started = time.time()
        for stream in (sys.stdout, sys.stderr):  # the child must not repeat them
            stream.flush()
        read_fd, write_fd = os.pipe()
        try:
            pid = os.fork()
        except BaseException:
            os.close(read_fd)
            os.close(write_fd)
            raise
        if pid == 0:
            _child_main(request, read_fd, write_fd, host)
        os.close(write_fd)
        child = _Child(pid)
        self._running, self._interrupted = child, False
        try:
            _log.info(
                "processing",
                func=request.func,
                queue=request.queue,
                task_ids=[task.id for task in request.tasks],
                child_pid=pid,
            )
            report = self._supervise(
                child, read_fd, request, heartbeat, host=host, time_started=time_started
            )
            if self._interrupted:
                _log.warning("child killed", child_pid=pid, reason="worker shutdown")
                return shutdown_report(request, host=host, time_started=time_started)
            return report
        finally:
            self._running = None
            os.close(read_fd)
            child.kill_and_reap()

    def _supervise(
        self,
        child: _Child,
        read_fd: int,
        request: ExecutionRequest,
        heartbeat: Callable[[], None],
        *,
        host: str,
        time_started: float,
    ) -> ExecutionReport:
        """Read the report until EOF while beating; kill the child at the deadline."""
        timeout = request.total_timeout + self._kill_grace
        deadline = time.monotonic() + timeout
        next_beat = time.monotonic() + self._heartbeat_interval
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
            if now >= next_beat:
                call_heartbeat(heartbeat)
                next_beat = time.monotonic() + self._heartbeat_interval
                continue
            wait = min(next_beat, deadline, now + _POLL_CAP) - now
            if eof:  # the report is complete; the child is on its way out
                time.sleep(min(wait, _EXIT_POLL))
            elif select.select([read_fd], [], [], wait)[0]:
                chunk = os.read(read_fd, _READ_SIZE)
                eof = not chunk
                chunks.append(chunk)
        chunks.extend(_drain(read_fd))  # what the child wrote just before exiting
        return _child_report(
            b"".join(chunks), child, request, host=host, time_started=time_started
        )


def _child_report(
    data: bytes,
    child: _Child,
    request: ExecutionRequest,
    *,
    host: str,
    time_started: float,
) -> ExecutionReport:
    """The report the child sent, or a ChildCrashed failure if it sent none."""
    status = child.wait()
    if data:
        with contextlib.suppress(ValidationError):
            return ExecutionReport.model_validate_json(data)
    _log.error("child crashed", child_pid=child.pid, status=describe_status(status))
    return crash_report(
        request, pid=child.pid, status=status, host=host, time_started=time_started
    )


class _Child:
    """A forked child process that is reaped exactly once."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.status: int | None = None

    def exited(self) -> bool:
        """Reap the child if it has ended, without blocking; True if it has."""
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid != 0:
                self.status = status
        return self.status is not None

    def wait(self) -> int:
        """Reap the child, blocking until it ends, and return its wait status."""
        if self.status is None:
            _, self.status = os.waitpid(self.pid, 0)
        return self.status

    def kill_and_reap(self) -> None:
        """SIGKILL the child unless it was reaped already, then reap it."""
        if self.status is not None:
            return
        with contextlib.suppress(ProcessLookupError):  # gone; waitpid reaps it
            os.kill(self.pid, signal.SIGKILL)
        self.wait()


def _child_main(
    request: ExecutionRequest, read_fd: int, write_fd: int, host: str
) -> NoReturn:
    """Run ``request`` in the child, send the report, and exit; never returns."""
    code = EXIT_NO_REPORT
    try:
        os.close(read_fd)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles shutdown
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        random.seed()
        report = run_request(request, host=host)
        _write_all(write_fd, report.model_dump_json().encode())
        code = 0
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(BaseException):  # exiting anyway
                stream.flush()
        os._exit(code)


def _write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd`` (blocking while the reader catches up)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.close(fd)


def _drain(fd: int) -> list[bytes]:
    """Read what is buffered in ``fd`` without waiting for more."""
    os.set_blocking(fd, False)
    chunks: list[bytes] = []
    try:
        while chunk := os.read(fd, _READ_SIZE):
            chunks.append(chunk)
    except BlockingIOError:
        pass
    return chunks
