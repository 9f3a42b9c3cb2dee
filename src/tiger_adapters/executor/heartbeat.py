"""Heartbeat calls made by the worker while an execution runs.

:func:`call_heartbeat` makes one call; :class:`Beats` is the schedule of one
execution (a call every heartbeat interval), shared by every wait of the fork
executor: the child's report, the fork server's spare, a child's exit status.
:func:`wait_readable` is such a wait, in slices no longer than the time to the
next beat.
"""

from __future__ import annotations

import select
import time
from collections.abc import Callable

import structlog

from tiger_core.errors import LeaseLost

__all__ = ["Beats", "call_heartbeat", "wait_readable"]

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


class Beats:
    """The heartbeat schedule of one execution: a call every ``interval`` s.

    The first call is due one interval after construction (the caller beat the
    tasks when it claimed them). Once a call reports the lease lost, no further
    call is made and :attr:`lost` stays True.
    """

    def __init__(self, heartbeat: Callable[[], None], interval: float) -> None:
        self._heartbeat = heartbeat
        self._interval = interval
        self.next_at = time.monotonic() + interval
        self.lost = False

    def until_next(self, now: float) -> float:
        """Seconds from ``now`` (monotonic) to the next beat (inf once lost)."""
        return float("inf") if self.lost else max(0.0, self.next_at - now)

    def beat_if_due(self) -> bool:
        """Beat if the next beat is due; False once the lease is lost."""
        if self.lost:
            return False
        if time.monotonic() >= self.next_at:
            if not call_heartbeat(self._heartbeat):
                self.lost = True
                return False
            self.next_at = time.monotonic() + self._interval
        return True


def wait_readable(fd: int, deadline: float, beats: Beats, *, fences: bool) -> bool:
    """Wait until ``fd`` is readable or ``deadline`` (monotonic) passes, beating.

    Returns:
        Whether ``fd`` became readable before the deadline.

    Raises:
        LeaseLost: a beat reported the lease lost and ``fences`` is set (the
            caller stops the execution); without ``fences`` the wait goes on
            without beats.
    """
    while True:
        now = time.monotonic()
        if now >= deadline:
            return False
        wait = min(deadline - now, beats.until_next(now))
        if select.select([fd], [], [], wait)[0]:
            return True
        if not beats.beat_if_due() and fences:
            raise LeaseLost("lease lost while waiting for the fork server")
