"""The worker's side of the fork server (see :mod:`~tiger_adapters.executor.zygote`).

:class:`ForkServer` starts the server process on first use and asks it for one
child per request; :class:`ServedChild` is that child as the fork executor sees
it: the same interface as a child it forked itself (pipes, a pidfd to wait on and
to kill through, the wait status), except that the server reaps it and sends the
status over the socket.

The server is a fresh interpreter: a child sees the task modules as imported by
the server, not the worker's own run-time state. Only requests that the bound
host runs as direct calls go there (no runner class, no child context managers);
the executor forks every other request from the worker itself.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

import structlog

from tiger_adapters.executor.process import ChildProcess, write_all
from tiger_adapters.executor.zygote import MESSAGE_SIZE
from tiger_core.functions import allowed_modules

_log = structlog.get_logger("tiger")

#: Longest wait for the server to answer a request to fork (it may be importing
#: a task module after the previous fork); past it the server is replaced.
START_TIMEOUT = 60.0
#: Requests up to this size are written to the pipe before the child exists.
_PIPE_CAPACITY = 65536
#: Wait status reported for a child whose server died before reaping it.
_LOST_STATUS = signal.SIGKILL


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
    """

    def __init__(
        self, *, preload: Sequence[str] = (), configure_logging: bool = False
    ) -> None:
        self._preload = list(preload)
        self._configure_logging = configure_logging
        self._process: subprocess.Popen[bytes] | None = None
        self._sock: socket.socket | None = None

    def launch(self, func: str, request: bytes) -> ServedChild:
        """Have the server fork a child for ``func`` and hand it ``request``.

        Raises:
            ForkServerError: the server did not answer; it was stopped, and the
                caller should fork the child itself.
        """
        sock = self._socket()
        request_r, request_w = os.pipe()
        report_r, report_w = os.pipe()
        early = len(request) <= _PIPE_CAPACITY  # written now, never blocks
        try:
            if early:
                write_all(request_w, request)
            ready = func.partition(":")[0] in sys.modules
            message = _dumps(["run", func, allowed_modules(), ready])
            socket.send_fds(sock, [message], [request_r, report_w])
            pid, fds = self._started_reply(sock)
        except BaseException:
            for fd in (request_w, report_r):
                os.close(fd)
            self.close()
            raise
        finally:
            os.close(request_r)
            os.close(report_w)
        child = ServedChild(pid, request_w, report_r, fds[0], self)
        child.send(b"" if early else request)
        return child

    def next_status(self, pid: int) -> int:
        """Block until the server reports ``pid``'s wait status."""
        sock = self._sock
        while sock is not None:
            try:
                data = sock.recv(MESSAGE_SIZE)
            except OSError:
                data = b""
            if not data:
                break
            message = json.loads(data)
            if message[0] == "exit" and message[1] == pid:
                status: int = message[2]
                return status
        self.close()
        return _LOST_STATUS

    def close(self) -> None:
        """Stop the server (its waiting children die with it)."""
        sock, self._sock = self._sock, None
        process, self._process = self._process, None
        if sock is not None:
            sock.close()
        if process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
            if process.returncode is None:
                process.kill()
                process.wait()

    def _socket(self) -> socket.socket:
        if (
            self._sock is None
            or self._process is None
            or self._process.poll() is not None
        ):
            self.close()
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
        ours.send(_dumps(init))
        _log.info("fork server started", server_pid=self._process.pid)

    def _started_reply(self, sock: socket.socket) -> tuple[int, list[int]]:
        if not select.select([sock], [], [], START_TIMEOUT)[0]:
            raise ForkServerError("the fork server did not answer in time")
        while True:  # skipping the exits of spares the server let go
            data, fds, _, _ = socket.recv_fds(sock, MESSAGE_SIZE, 1)
            message: list[Any] = json.loads(data) if data else ["closed"]
            if message[0] == "started" and fds:
                pid: int = message[1]
                return pid, fds
            for fd in fds:
                os.close(fd)
            if message[0] != "exit":
                raise ForkServerError(f"the fork server answered {message[0]!r}")


class ServedChild(ChildProcess):
    """A child forked by the fork server, watched through its pidfd."""

    def __init__(
        self, pid: int, request_fd: int, report_fd: int, pidfd: int, server: ForkServer
    ) -> None:
        super().__init__(pid, request_fd, report_fd, pidfd=pidfd)
        self._server = server

    def exited(self) -> bool:
        """Whether the child has ended (its status is then known)."""
        pidfd = self._pidfd
        if self.status is None and pidfd is not None and _readable(pidfd):
            self.wait()
        return self.status is not None

    def wait(self) -> int:
        """Block until the child ends and the server reports its wait status."""
        if self.status is None:
            if self._pidfd is not None:
                select.select([self._pidfd], [], [])
            self._set_status(self._server.next_status(self.pid))
        assert self.status is not None
        return self.status

    def kill_and_reap(self) -> None:
        """SIGKILL the child through its pidfd (no pid reuse race), then wait."""
        if self.status is not None:
            return
        if self._pidfd is not None:
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
        self.wait()


def _readable(fd: int) -> bool:
    return bool(select.select([fd], [], [], 0)[0])


def _dumps(message: list[Any]) -> bytes:
    return json.dumps(message).encode()
