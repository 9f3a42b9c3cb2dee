"""The fork child's ties to its parent: heartbeat calls and death of the parent."""

from __future__ import annotations

import contextlib
import ctypes
import signal
import sys
from collections.abc import Callable

import structlog

from tiger_core.errors import LeaseLost

_log = structlog.get_logger("tiger")


def call_heartbeat(heartbeat: Callable[[], None]) -> bool:
    """Call ``heartbeat``; return False when it reports the lease lost.

    ``LeaseLost`` from ``heartbeat`` means another worker took every task of the
    execution over: the caller should stop the execution (self-fencing). Any other
    ``Exception`` (Redis briefly unreachable) is logged and True is returned: the
    next beat may succeed, and crash recovery decides if it does not.
    """
    try:
        heartbeat()
    except LeaseLost as exc:
        _log.warning("lease lost, stopping the execution", reason=str(exc))
        return False
    except Exception:
        _log.exception("heartbeat failed")
    return True


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
