"""Calling a caller's heartbeat without letting its failure stop the execution."""

from __future__ import annotations

from collections.abc import Callable

import structlog

_log = structlog.get_logger("tiger")


def call_heartbeat(heartbeat: Callable[[], None]) -> None:
    """Call ``heartbeat``; an ``Exception`` it raises is logged, not propagated.

    A failed heartbeat (Redis briefly unreachable, a lost lease) must not abandon
    the running tasks: the next beat may succeed, and the store decides what a
    lost lease means when the group finishes.
    """
    try:
        heartbeat()
    except Exception:
        _log.exception("heartbeat failed")
