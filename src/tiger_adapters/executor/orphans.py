"""A task child's ties to its parent: it dies with it and leaves stopping to it."""

from __future__ import annotations

import ctypes
import functools
import signal
import sys
from typing import Any

#: ``prctl`` option: the signal a process gets when its parent thread exits.
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this (forked) process when its parent dies.

    A worker parent killed mid-task cannot settle the task; crash recovery hands
    it to another worker. Without this, the orphaned child would run on and finish
    the task a second time alongside the rerun. Linux only; elsewhere a no-op.
    """
    prctl = prctl_function()
    if prctl is not None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


@functools.cache
def prctl_function() -> Any:
    """The ``prctl`` of libc, looked up once per process (children inherit it).

    Loading libc costs more than half a millisecond; a fork child calling this
    after its parent did pays nothing. None where there is no such function.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


def become_task_child() -> None:
    """Set up a freshly forked task child (worker fork or fork server alike).

    It dies with its parent (see :func:`die_with_parent`) and leaves shutdown to
    it: SIGINT is ignored, and a process-group SIGTERM (systemd, kill -TERM
    -pgid) must not kill the task either: the parent lets it finish and SIGKILLs
    it on a second signal. A no-op handler, not SIG_IGN, so that programs the
    task execs still die of SIGTERM.
    """
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _ignore_signal)


def _ignore_signal(signum: int, frame: object) -> None:
    """Swallow a signal (handlers, unlike SIG_IGN, are reset by exec)."""
    del signum, frame
