"""Pipe I/O and the exit of a task child, with the standard library only.

Shared by the worker side (:mod:`~tiger_adapters.executor.process`, the fork
executor) and the fork server (:mod:`~tiger_adapters.executor.zygote`), which must
not import pydantic, redis or structlog.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import NoReturn

#: Exit status of a child that could not deliver its report (``EX_SOFTWARE``).
EXIT_NO_REPORT = 70
#: Bytes read from a pipe at a time.
READ_SIZE = 65536


def read_all(fd: int) -> bytes:
    """Read ``fd`` until EOF (blocking) and close it."""
    chunks = []
    while chunk := os.read(fd, READ_SIZE):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks)


def write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd`` (blocking while the reader catches up)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def write_and_close(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd``, then close it."""
    try:
        write_all(fd, data)
    finally:
        os.close(fd)


def flush_output() -> None:
    """Flush stdout and stderr, ignoring any failure (the child is ending)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BaseException):
            stream.flush()


def exit_child(code: int) -> NoReturn:
    """Flush the output and leave at once (no cleanup of the parent's state)."""
    flush_output()
    os._exit(code)
