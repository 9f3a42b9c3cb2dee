"""Child processes of the fork executor: forked ahead of need, reaped exactly once.

A *spare* is a child forked before its request is known. It blocks reading its
request pipe; the parent writes the request (pickled) and closes the pipe, and the
child runs it and writes its report to the report pipe. Forking the spare of the
next execution while the current child runs takes the fork (the most expensive
step of a short task) off the critical path.

A spare is a copy of the parent at the moment it was forked, so it is only used
while the parent has not changed in ways a task could see: the executor compares
:func:`fingerprint` (modules imported, the bound host) and forks a fresh child when
it differs. A parent that dies closes the request pipe; a waiting spare then reads
EOF and exits.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from tiger_adapters.executor.context import bound_host
from tiger_adapters.executor.pipes import READ_SIZE, write_all


def fingerprint() -> tuple[int, int]:
    """What a spare must share with the parent to run a task like a fresh fork."""
    return (len(sys.modules), id(bound_host()))


class ChildProcess:
    """A forked child with its two pipe ends in the parent; reaped exactly once.

    Attributes:
        pid: the child's process id.
        request_fd: the write end of the request pipe (-1 once closed).
        report_fd: the read end of the report pipe.
        born: the parent's :func:`fingerprint` when the child was forked.
    """

    #: Whether a complete report means the child is done (it wrote the report
    #: last, and someone else reaps it): no need to wait for its exit.
    done_at_report = False

    def __init__(
        self, pid: int, request_fd: int, report_fd: int, *, pidfd: int | None = None
    ) -> None:
        self.pid = pid
        self.request_fd = request_fd
        self.report_fd = report_fd
        self.born = fingerprint()
        self.status: int | None = None
        self._pidfd = _open_pidfd(pid) if pidfd is None else pidfd

    def send(self, data: bytes) -> None:
        """Write the request and close the pipe (EOF tells the child to start).

        Raises:
            BrokenPipeError: the child is gone (it never received the request).
        """
        try:
            write_all(self.request_fd, data)
        finally:
            self.close_request()

    def close_request(self) -> None:
        """Close the request pipe; a child still waiting for a request exits."""
        if self.request_fd >= 0:
            os.close(self.request_fd)
            self.request_fd = -1

    def wait_readable(self, timeout: float, *, eof: bool) -> bool:
        """Wait up to ``timeout`` s for report data (unless ``eof``) or the exit.

        Returns:
            Whether the report pipe has data to read.
        """
        watched = [] if eof else [self.report_fd]
        if self._pidfd is not None:
            watched.append(self._pidfd)
            ready = select.select(watched, [], [], timeout)[0]
        elif eof:  # no pidfd (not Linux): poll for the exit
            ready = []
            select.select([], [], [], min(timeout, 0.001))
        else:
            ready = select.select(watched, [], [], min(timeout, 0.005))[0]
        return self.report_fd in ready

    def exited(self) -> bool:
        """Reap the child if it has ended, without blocking; True if it has."""
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid != 0:
                self._set_status(status)
        return self.status is not None

    def wait(self) -> int:
        """Reap the child, blocking until it ends, and return its wait status."""
        if self.status is None:
            _, status = os.waitpid(self.pid, 0)
            self._set_status(status)
        assert self.status is not None
        return self.status

    def detach(self) -> None:
        """Stop watching a child that is done (see :attr:`done_at_report`)."""
        raise NotImplementedError("only a child reaped elsewhere can be detached")

    def kill_and_reap(self) -> None:
        """SIGKILL the child unless it was reaped already, then reap it."""
        if self.status is not None:
            return
        with contextlib.suppress(ProcessLookupError):  # gone; waitpid reaps it
            os.kill(self.pid, signal.SIGKILL)
        self.wait()

    def dispose(self) -> None:
        """Kill and reap the child and close every descriptor the parent holds."""
        self.close_request()
        self.kill_and_reap()
        self.close_report()

    def close_report(self) -> None:
        """Close the read end of the report pipe."""
        if self.report_fd >= 0:
            os.close(self.report_fd)
            self.report_fd = -1

    def _set_status(self, status: int) -> None:
        self.status = status
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None


def fork_child(
    main: Callable[[int, int], NoReturn], *, close_in_child: Sequence[int] = ()
) -> ChildProcess:
    """Fork a child that runs ``main(request_fd, report_fd)`` and never returns.

    Args:
        main: the child's body, given its read end of the request pipe and its
            write end of the report pipe.
        close_in_child: other parent descriptors the child must not keep (the
            pipes of a child already running).
    """
    for stream in (sys.stdout, sys.stderr):  # the child must not repeat them
        stream.flush()
    request_r, request_w = os.pipe()
    report_r, report_w = os.pipe()
    try:
        pid = os.fork()
    except BaseException:
        for fd in (request_r, request_w, report_r, report_w):
            os.close(fd)
        raise
    if pid == 0:
        for fd in (request_w, report_r, *close_in_child):
            with contextlib.suppress(OSError):
                os.close(fd)
        main(request_r, report_w)
    os.close(request_r)
    os.close(report_w)
    return ChildProcess(pid, request_w, report_r)


def read_chunk(fd: int) -> bytes:
    """Read what is available on ``fd`` (empty at EOF)."""
    return os.read(fd, READ_SIZE)


def drain(fd: int) -> list[bytes]:
    """Read what is buffered in ``fd`` without waiting for more."""
    os.set_blocking(fd, False)
    chunks: list[bytes] = []
    try:
        while chunk := os.read(fd, READ_SIZE):
            chunks.append(chunk)
    except BlockingIOError:
        pass
    return chunks


def _open_pidfd(pid: int) -> int | None:
    """A descriptor that becomes readable when ``pid`` exits (Linux), else None."""
    opener = getattr(os, "pidfd_open", None)
    if opener is None:
        return None
    try:
        fd: int = opener(pid)
    except OSError:
        return None
    return fd
