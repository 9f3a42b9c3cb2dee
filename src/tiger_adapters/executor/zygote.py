"""The fork server: a small process that forks one child per task.

Started by :class:`~tiger_adapters.executor.forkserver.ForkServer` as
``python -m tiger_adapters.executor.zygote FD``. It imports the standard library,
the task modules and little else (no pydantic, redis or structlog of its own), so
forking it costs a fraction of forking the worker: the kernel copies page tables
and tears them down per child in proportion to the private memory of the process.

Protocol, over a ``SOCK_SEQPACKET`` socket to the worker (one JSON array per
message; descriptors travel as ``SCM_RIGHTS``):

- worker -> server ``["init", sys_path, preload, configure_logging]`` once, and
  ``["more", module, allowed_modules]`` each time the worker took a spare: the
  server imports ``module`` (the function just run) and answers each with
- server -> worker ``["spare", pid]`` with a pidfd of a new *spare*, a child
  forked ahead of need, and the worker's end of the spare's link;
- worker -> spare, on the link: ``["run", allowed_modules]`` with two descriptors,
  the read end of the request pipe (the request as a JSON object, until EOF) and
  the write end of the report pipe (the JSON report). The server is not on this
  path: while the child runs, it forks the next spare;
- server -> worker ``["exit", pid, wait_status]`` once a child is reaped.

The server dies with the worker (``PR_SET_PDEATHSIG``), its children die with it,
and it exits when the worker closes the socket.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import sys
import time
from typing import Any, NoReturn

from tiger_adapters.executor import pending
from tiger_adapters.executor.calls import Call, call_directly, failure_fields
from tiger_adapters.executor.orphans import become_task_child, die_with_parent
from tiger_adapters.executor.pipes import (
    EXIT_NO_REPORT,
    exit_child,
    flush_output,
    read_all,
    write_and_close,
)
from tiger_core.functions import import_attribute, restrict_imports

#: Largest control message (the JSON arrays above are far smaller).
MESSAGE_SIZE = 65536
#: Descriptors that come with a run message: request pipe, report pipe.
_PIPES = 2


class _Server:
    """The server's state: the socket, the children, what was imported."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.children: dict[int, int] = {}  # pidfd -> pid
        self.configure_logging = False
        self.logging_done = False

    def serve(self) -> None:
        """Answer messages and reap children until the worker goes away."""
        while True:
            sock_fd = self.sock.fileno()
            ready = select.select([sock_fd, *self.children], [], [])[0]
            for fd in ready:
                if fd != sock_fd:
                    self._reap(fd)
            if sock_fd in ready and not self._answer():
                return

    def _answer(self) -> bool:
        data = self.sock.recv(MESSAGE_SIZE)
        if not data:  # the worker closed the socket
            return False
        message = json.loads(data)
        if message[0] == "init":
            _, path, preload, self.configure_logging = message
            sys.path[:] = path
            for module in preload:
                self._preload(module)
        elif message[0] == "more":
            _, module, allowed = message
            restrict_imports(allowed)  # the server's own imports obey it too
            self._preload(module)
        self._offer_spare()
        return True

    def _offer_spare(self) -> None:
        """Fork a spare and pass it to the worker: its pidfd and its link."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        pid = os.fork()
        if pid == 0:
            ours.close()
            self.sock.close()
            for fd in self.children:
                os.close(fd)
            _spare_main(theirs)
        theirs.close()
        pidfd = os.pidfd_open(pid)
        self.children[pidfd] = pid
        try:
            socket.send_fds(
                self.sock, [dump_message(["spare", pid])], [pidfd, ours.fileno()]
            )
        finally:
            ours.close()  # the worker holds the link now; the spare sees EOF if not

    def _reap(self, pidfd: int) -> None:
        pid = self.children.pop(pidfd)
        os.close(pidfd)
        _, status = os.waitpid(pid, 0)
        self.sock.send(dump_message(["exit", pid, status]))

    def _preload(self, module: str) -> None:
        """Import ``module`` here once (a failure is the child's to report)."""
        if module and module not in sys.modules:
            with contextlib.suppress(BaseException):
                import_attribute(f"{module}:__name__")
        if (
            self.configure_logging
            and not self.logging_done
            and "structlog" in sys.modules
        ):
            # The worker's JSON log setup, for the task modules' own log lines.
            from tiger_adapters.logging import configure_logging  # noqa: PLC0415

            configure_logging()
            self.logging_done = True


def _spare_main(link: socket.socket) -> NoReturn:
    """Wait for the run message and its pipes, run the request; never returns."""
    code = EXIT_NO_REPORT
    try:
        become_task_child()
        _rehearse()  # while the worker is busy elsewhere
        data, fds, _, _ = socket.recv_fds(link, MESSAGE_SIZE, _PIPES)
        link.close()
        if not data or len(fds) != _PIPES:  # not needed after all
            os._exit(0)
        request_fd, report_fd = fds
        restrict_imports(json.loads(data)[1])
        request = json.loads(read_all(request_fd))
        report = run_plain(request)
        flush_output()  # before the report: the worker may stop watching after it
        write_and_close(report_fd, json.dumps(report, default=repr).encode())
        code = 0
    finally:
        exit_child(code)


def _rehearse() -> None:
    """Run a no-op request through the whole path once, before the real one.

    A fresh fork shares every page with the server; the first write to each page
    (reference counts included) copies it. Walking the path here takes most of
    those copies while the spare waits, off the task's critical path.
    """
    request = {
        "func": f"{__name__}:_no_op",
        "tasks": [{"args": [], "kwargs": {}, "hard_timeout": 60.0}],
        "host": "",
        "store_tracebacks": False,
    }
    json.dumps(run_plain(json.loads(json.dumps(request)))).encode()
    pending.forget()


def _no_op() -> None:
    """The rehearsal's task."""


def run_plain(request: dict[str, Any]) -> dict[str, Any]:
    """Run a request (``ExecutionRequest.model_dump()``) with direct calls.

    Returns:
        The report as ``ExecutionReport``'s JSON-ready dict.
    """
    time_started = time.time()
    try:
        func = import_attribute(request["func"])
        is_batch = bool(getattr(func, "_task_batch", False))
        pending.leave(request, is_batch=is_batch)
        _bind_log_context(request.get("log_context") or {})
        calls: list[Call] = [
            (task["args"], task["kwargs"], task["hard_timeout"])
            for task in request["tasks"]
        ]
        call_directly(func, calls, is_batch=is_batch)
    except BaseException as exc:  # every task outcome is reported
        record = failure_fields(
            exc,
            time_started=time_started,
            host=request["host"],
            store_tracebacks=request["store_tracebacks"],
        )
        return {"success": False, "record": record}
    return {"success": True}


def _bind_log_context(context: dict[str, Any]) -> None:
    """Bind the worker's structlog context, if the task modules use structlog."""
    contextvars = sys.modules.get("structlog.contextvars")
    if contextvars is not None and context:
        contextvars.clear_contextvars()
        contextvars.bind_contextvars(**context)


def dump_message(message: list[Any]) -> bytes:
    """A control message as sent on the socket (and the spares' links)."""
    return json.dumps(message).encode()


def main(argv: list[str]) -> None:
    """Serve the worker on the socket whose descriptor is ``argv[1]``."""
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the worker decides when to stop
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sock = socket.socket(fileno=int(argv[1]))
    with contextlib.suppress(ConnectionError, EOFError):  # the worker is gone
        _Server(sock).serve()


if __name__ == "__main__":
    main(sys.argv)
