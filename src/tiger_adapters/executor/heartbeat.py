"""Heartbeat calls made by the worker while an execution runs."""

from __future__ import annotations

from collections.abc import Callable

import structlog

from tiger_core.errors import LeaseLost

__all__ = ["call_heartbeat"]

_log = structlog.get_logger("tiger")


def call_heartbeat(heartbeat: Callable[[], None], *, fences: bool = True) -> bool:
    """Call ``heartbeat``; return False when it reports the lease lost.

    ``LeaseLost`` from ``heartbeat`` means another worker took every task of the
    execution over: the caller should stop the execution (self-fencing), or, when
    it cannot (``fences=False``: the task runs in the worker's own process), stop
    beating and let the task run to its end. Any other ``Exception`` (Redis
    briefly unreachable) is logged and True is returned: the next beat may
    succeed, and crash recovery decides if it does not.
    """
    try:
        heartbeat()
    except LeaseLost as exc:
        if fences:
            _log.warning("lease lost, stopping the execution", reason=str(exc))
        else:
            _log.warning("lease lost, the task runs on", reason=str(exc))
        return False
    except Exception:
        _log.exception("heartbeat failed")
    return True
