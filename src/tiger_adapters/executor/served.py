"""A child of the fork server, as the fork executor sees it.

:class:`ServedChild` has the interface of a child the worker forked itself
(pipes, a pidfd to wait on and to kill through, the wait status), except that the
server reaps it and sends the wait status over its socket
(:meth:`~tiger_adapters.executor.forkserver.ForkServer.next_status`).
"""

from __future__ import annotations

import contextlib
import select
import signal
import time
from typing import TYPE_CHECKING

from tiger_adapters.executor.heartbeat import Beats, wait_readable
from tiger_adapters.executor.process import ChildProcess

if TYPE_CHECKING:
    from tiger_adapters.executor.forkserver import ForkServer

__all__ = ["ServedChild"]


class ServedChild(ChildProcess):
    """A child forked by the fork server, watched through its pidfd.

    It flushes its output and then writes its report, last: once the worker has
    a complete report, the child has nothing left to do but exit, which the
    server reaps; the worker settles the task meanwhile (:meth:`detach`).
    """

    done_at_report = True

    def __init__(
        self,
        pid: int,
        request_fd: int,
        report_fd: int,
        pidfd: int,
        server: ForkServer,
        beats: Beats,
    ) -> None:
        super().__init__(pid, request_fd, report_fd, pidfd=pidfd)
        self._server = server
        self._beats = beats

    def exited(self) -> bool:
        """Whether the child has ended (its status is then known)."""
        pidfd = self._pidfd
        if self.status is None and pidfd is not None and _readable(pidfd):
            self.wait()
        return self.status is not None

    def wait(self) -> int:
        """Wait (beating) until the child ends and the server reports its status.

        Each of the two waits is bounded by the server's start-up timeout.
        """
        if self.status is None:
            if self._pidfd is not None:
                deadline = time.monotonic() + self._server.start_timeout
                wait_readable(self._pidfd, deadline, self._beats, fences=False)
            self._set_status(self._server.next_status(self.pid, self._beats))
        assert self.status is not None
        return self.status

    def detach(self) -> None:
        """Leave the exiting child to the server; its exit status is not awaited."""
        if self.status is None:
            self._server.ignore_exit(self.pid)
            self._set_status(0)  # it wrote its report: it exits with 0

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
