"""Errors that an executor reports on behalf of a child process."""

from __future__ import annotations


class ChildCrashed(Exception):
    """The child process ended without sending a report.

    It exited (``os._exit``, a crash in C code) or was killed by a signal (the OOM
    killer, an operator) before the task group finished. Only its name is written
    into execution records (``tiger_adapters.executor.errors:ChildCrashed``); the
    record's traceback text gives the exit status or the signal.
    """
