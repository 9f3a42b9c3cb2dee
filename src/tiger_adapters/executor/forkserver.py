"""The worker's side of the fork server (see :mod:`~tiger_adapters.executor.zygote`).

:class:`ForkServer` starts the server process on first use and asks it for one
child per request; :class:`~tiger_adapters.executor.served.ServedChild` is that
child as the fork executor sees it (the server reaps it and reports its status).

The server is a fresh interpreter: a child sees the task modules as imported by
the server, not the worker's own run-time state. Only requests that the bound
host runs as direct calls go there (no runner class, no child context managers);
the executor forks every other request from the worker itself.

Liveness: the server is single-threaded and imports a task module before it
forks the next spare, so any answer may be late. Every wait of the worker on it
(a spare, a child's exit, its exit status) is a :func:`wait_readable` in slices
of at most one heartbeat interval, calling the execution's heartbeat between
them: the leases of the running tasks never depend on the server's speed. A
``LeaseLost`` while waiting for a spare stops the execution before any child
starts; while waiting for an exit status, the child is already gone and the wait
goes on without beats. Each such wait is bounded by the *start-up timeout*
(:func:`start_timeout`), which is strictly below the lease
(``ACTIVE_TASK_UPDATE_TIMEOUT``): the lease minus one heartbeat interval, but at
least half the lease. Past it the server is deemed hung: it is killed and
replaced, and the request is forked from the worker instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import structlog

from tiger_adapters.executor.heartbeat import Beats, wait_readable
from tiger_adapters.executor.pipes import write_all
from tiger_adapters.executor.served import ServedChild
from tiger_adapters.executor.zygote import MESSAGE_SIZE, dump_message
from tiger_core.errors import LeaseLost
from tiger_core.functions import allowed_modules

_log = structlog.get_logger("tiger")

#: Descriptors that come with a spare: its pidfd and the worker's end of its link.
_SPARE_FDS = 2
#: Requests up to this size are written to the pipe before the child gets them.
_PIPE_CAPACITY = 65536
#: Wait status reported for a child whose server died before reaping it.
_LOST_STATUS = signal.SIGKILL


def start_timeout(lease: float, heartbeat_interval: float) -> float:
    """The longest wait on the server: strictly below ``lease`` (see the notes).

    The lease minus one heartbeat interval, but at least half the lease.
    """
    if lease <= 0:
        raise ValueError(f"lease must be > 0: {lease}")
    return max(lease - heartbeat_interval, lease / 2)


#: With TaskTiger's defaults: a 60 s lease beaten every 10 s.
DEFAULT_START_TIMEOUT = start_timeout(60.0, 10.0)


def supported() -> bool:
    """Whether this platform has what the fork server needs (Linux pidfds)."""
    return (
        sys.platform.startswith("linux")
        and hasattr(os, "pidfd_open")
        and hasattr(signal, "pidfd_send_signal")
        and hasattr(socket, "send_fds")
    )


class ForkServerError(OSError):
    """The fork server could not start a child (it is replaced on next use)."""


class ForkServer:
    """A fork-server process, started on first use and replaced if it dies.

    Args:
        preload: modules the server imports when it starts (the worker's
            preloaded task modules); each task's module is imported there after
            its first child is forked.
        configure_logging: give the server the worker's JSON structlog setup
            once a task module has imported structlog.
        start_timeout: the longest wait for an answer of the server (see
            :func:`start_timeout`); past it the server is replaced.
    """

    def __init__(
        self,
        *,
        preload: Sequence[str] = (),
        configure_logging: bool = False,
        start_timeout: float = DEFAULT_START_TIMEOUT,
    ) -> None:
        self.start_timeout = start_timeout
        self._preload = list(preload)
        self._configure_logging = configure_logging
        self._process: subprocess.Popen[bytes] | None = None
        self._sock: socket.socket | None = None
        self._spare: _Spare | None = None
        self._statuses: dict[int, int] = {}
        self._asked: set[str] = set()  # modules the server was asked to import
        self._dropped: set[int] = set()  # spares let go: their exits are ignored
        self._offers_due = 0  # spares asked for and not received yet
        self._next_module: str | None = None  # to import before the next spare
        self._stale = 0  # of those, how many to let go on arrival

    def launch(self, func: str, request: bytes, beats: Beats) -> ServedChild:
        """Hand ``request`` (for ``func``) to the server's spare child.

        The request goes straight to the spare over its link; :meth:`replenish`
        then asks the server for the next spare, forked while this child runs.
        While the spare is awaited, and later while the child's exit is, the
        execution's ``beats`` go on.

        Raises:
            ForkServerError: the server did not answer; it was stopped, and the
                caller should fork the child itself.
            LeaseLost: a beat reported the lease lost while the spare was
                awaited; no child was started (the server is kept).
        """
        sock = self._socket()
        module = func.partition(":")[0]
        try:
            if module not in self._asked and module in sys.modules:
                # Preloaded here: the server imports it before forking the child;
                # the spares offered before that are let go.
                self._drop_spare()
                self._stale = self._offers_due
                self._ask_more(sock, module)
            spare = self._take_spare(sock, beats)
        except LeaseLost:
            raise  # the server is sound: the spare is kept when it comes
        except BaseException:
            self.close(grace=0)
            raise
        request_r, request_w = os.pipe()
        report_r, report_w = os.pipe()
        try:
            if len(request) <= _PIPE_CAPACITY:  # written now, never blocks
                # Closed before the child wakes: it reads the request and EOF at
                # once, instead of waking again for the EOF.
                write_all(request_w, request)
                os.close(request_w)
                request_w = -1
            message = dump_message(["run", allowed_modules()])
            socket.send_fds(spare.link, [message], [request_r, report_w])
            self._next_module = module  # see replenish
        except BaseException:
            for fd in (request_w, report_r, spare.pidfd):
                if fd >= 0:
                    os.close(fd)
            self.close(grace=0)
            raise
        finally:
            os.close(request_r)
            os.close(report_w)
            spare.link.close()
        child = ServedChild(spare.pid, request_w, report_r, spare.pidfd, self, beats)
        if request_w >= 0:
            child.send(request)
        return child

    def replenish(self) -> None:
        """Ask for the spare of the next launch (the server forks it meanwhile).

        Called by the executor once it is done with the launch and about to wait:
        the server, woken by the request, may take this core for the fork.
        """
        module, self._next_module = self._next_module, None
        if module is not None and self._sock is not None:
            try:
                self._ask_more(self._sock, module)
            except OSError:  # the server is gone: the next launch replaces it
                self.close(grace=0)

    def _ask_more(self, sock: socket.socket, module: str) -> None:
        """Ask for the next spare, forked after the server imported ``module``."""
        self._asked.add(module)
        sock.send(dump_message(["more", module, allowed_modules()]))
        self._offers_due += 1

    def _drop_spare(self) -> None:
        """Let the spare go unused (it exits when its link closes)."""
        spare, self._spare = self._spare, None
        if spare is not None:
            self._dropped.add(spare.pid)
            spare.link.close()
            os.close(spare.pidfd)

    def ignore_exit(self, pid: int) -> None:
        """Drop ``pid``'s exit status when it comes (nobody waits for it)."""
        if self._statuses.pop(pid, None) is None:
            self._dropped.add(pid)

    def next_status(self, pid: int, beats: Beats) -> int:
        """Wait for the server to report ``pid``'s wait status, beating meanwhile.

        A server that does not report it within the start-up timeout is replaced
        (``SIGKILL`` is reported then), as is one that went away.
        """
        deadline = time.monotonic() + self.start_timeout
        while pid not in self._statuses:
            sock = self._sock
            if (
                sock is None
                or not wait_readable(sock.fileno(), deadline, beats, fences=False)
                or not self._receive(sock)
            ):
                _log.warning("fork server lost a child's exit", child_pid=pid)
                self.close(grace=0)
                return _LOST_STATUS
        return self._statuses.pop(pid)

    def close(self, *, grace: float = 5.0) -> None:
        """Stop the server (its children, the spare included, die with it).

        It exits once it sees the socket closed; it is killed after ``grace``
        seconds (at once when it is being replaced: it may be hung).
        """
        sock, self._sock = self._sock, None
        process, self._process = self._process, None
        self._drop_spare()
        self._statuses.clear()
        self._dropped.clear()
        self._asked.clear()
        self._offers_due = self._stale = 0
        if sock is not None:
            sock.close()
        if process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=grace)
            if process.returncode is None:
                process.kill()
                process.wait()

    def _socket(self) -> socket.socket:
        if (
            self._sock is None
            or self._process is None
            or self._process.poll() is not None
        ):
            self.close(grace=0)
            self._start()
        assert self._sock is not None
        return self._sock

    def _start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        try:
            self._process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tiger_adapters.executor.zygote",
                    str(theirs.fileno()),
                ],
                pass_fds=[theirs.fileno()],
                env=env,
                stdin=subprocess.DEVNULL,
            )
        finally:
            theirs.close()
        self._sock = ours
        init = ["init", list(sys.path), self._preload, self._configure_logging]
        self._asked.update(self._preload)
        self._offers_due += 1
        ours.send(dump_message(init))
        _log.info("fork server started", server_pid=self._process.pid)

    def _take_spare(self, sock: socket.socket, beats: Beats) -> _Spare:
        """The spare the server sent (waiting for it, beating, if it is not here)."""
        deadline = time.monotonic() + self.start_timeout
        while self._spare is None:
            if not wait_readable(sock.fileno(), deadline, beats, fences=True):
                raise ForkServerError(
                    f"the fork server offered no child in {self.start_timeout:g} s"
                )
            if not self._receive(sock):
                raise ForkServerError("the fork server went away")
        spare, self._spare = self._spare, None
        return spare

    def _receive(self, sock: socket.socket) -> bool:
        """Read one message (a spare or an exit status); False if none came."""
        try:
            data, fds, _, _ = socket.recv_fds(sock, MESSAGE_SIZE, 2)
        except OSError:
            return False
        if not data:
            for fd in fds:
                os.close(fd)
            return False
        message: list[Any] = json.loads(data)
        if message[0] == "spare" and len(fds) == _SPARE_FDS:
            self._offers_due -= 1
            self._drop_spare()  # never expected: keep the newest
            link = socket.socket(fileno=fds[1])
            self._spare = _Spare(message[1], fds[0], link)
            if self._stale > 0:  # forked before a module it should have
                self._stale -= 1
                self._drop_spare()
        else:
            for fd in fds:
                os.close(fd)
            if message[0] == "exit" and message[1] not in self._dropped:
                self._statuses[message[1]] = message[2]
            elif message[0] == "exit":
                self._dropped.discard(message[1])
        return True


@dataclass(frozen=True)
class _Spare:
    """A child the server forked ahead of need: its pid, pidfd and link."""

    pid: int
    pidfd: int
    link: socket.socket
