"""Worker utilization: busy time around executor calls and the periodic "stats" line.

TaskTiger logs its stats from a thread. Tiger logs them from the worker loop between
tasks instead, so a worker process never forks while a second thread exists. The
line is due every ``STATS_INTERVAL`` seconds; during a long task it is written right
after that task, covering the whole window.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from tiger_core.model.execution import ExecutionReport, ExecutionRequest
from tiger_core.ports import Executor


class WorkerStats:
    """Measures busy time and logs ``stats`` (time_total, time_busy, utilization).

    Args:
        interval: seconds between two stats lines; 0 turns them off.
        log: the structlog logger that writes the line.
        monotonic: the time source (``time.monotonic``; tests pass a fake).
    """

    def __init__(
        self,
        interval: float,
        log: Any,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """Start the first window now."""
        self.interval = interval
        self._log = log
        self._monotonic = monotonic
        self._window_start = monotonic()
        self._busy = 0.0
        self._busy_since: float | None = None

    @contextmanager
    def busy(self) -> Iterator[None]:
        """Count the time spent inside the block as busy."""
        self._busy_since = self._monotonic()
        try:
            yield
        finally:
            self._busy += self._monotonic() - self._busy_since
            self._busy_since = None

    def compute(self) -> dict[str, float]:
        """Close the current window and return its numbers.

        Returns:
            ``time_total`` and ``time_busy`` in seconds, and ``utilization``, the
            busy share in percent.
        """
        now = self._monotonic()
        busy = self._busy
        if self._busy_since is not None:  # a task is running: split it
            busy += now - self._busy_since
            self._busy_since = now
        total = now - self._window_start
        self._window_start = now
        self._busy = 0.0
        utilization = 100.0 * busy / total if total > 0 else 0.0
        return {
            "time_total": round(total, 3),
            "time_busy": round(busy, 3),
            "utilization": round(utilization, 2),
        }

    def log_if_due(self) -> bool:
        """Log ``stats`` when the interval has passed; return whether it did."""
        if not self.interval:
            return False
        if self._monotonic() - self._window_start < self.interval:
            return False
        self._log.info("stats", **self.compute())
        return True


class TimedExecutor:
    """An Executor that counts the time spent in another executor as busy time.

    Args:
        inner: the executor doing the work.
        stats: where the busy time goes.
    """

    def __init__(self, inner: Executor, stats: WorkerStats) -> None:
        """Wrap ``inner``."""
        self.inner = inner
        self.stats = stats

    def execute(
        self, request: ExecutionRequest, *, heartbeat: Callable[[], None]
    ) -> ExecutionReport:
        """Run ``request`` on the inner executor, timing it."""
        with self.stats.busy():
            return self.inner.execute(request, heartbeat=heartbeat)
