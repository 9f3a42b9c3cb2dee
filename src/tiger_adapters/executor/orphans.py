"""Death of the parent: a forked process must not outlive the process it serves."""

from __future__ import annotations

import contextlib
import ctypes
import signal
import sys

#: ``prctl`` option: the signal a process gets when its parent thread exits.
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this (forked) process when its parent dies.

    A worker parent killed mid-task cannot settle the task; crash recovery hands
    it to another worker. Without this, the orphaned child would run on and finish
    the task a second time alongside the rerun. Linux only; elsewhere a no-op.
    """
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
