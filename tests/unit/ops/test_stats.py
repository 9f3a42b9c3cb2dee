"""WorkerStats: busy time around executor calls and the periodic stats line."""

from __future__ import annotations

import structlog
from structlog.testing import capture_logs

from tiger_adapters.executor import InlineExecutor
from tiger_adapters.stats import TimedExecutor, WorkerStats
from tiger_core.model.execution import ExecutionRequest, TaskCall


class Ticks:
    """A monotonic clock that a test moves."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def stats(ticks: Ticks, interval: float = 10) -> WorkerStats:
    return WorkerStats(interval, structlog.get_logger("t"), monotonic=ticks)


def test_utilization_is_the_busy_share_of_the_window() -> None:
    """3 busy seconds out of 10 are 30 % utilization; the next window starts empty."""
    ticks = Ticks()
    worker_stats = stats(ticks)
    ticks.now += 2
    with worker_stats.busy():
        ticks.now += 3
    ticks.now += 5

    first = worker_stats.compute()
    ticks.now += 4
    second = worker_stats.compute()

    assert {"time_total": 10.0, "time_busy": 3.0, "utilization": 30.0} == first
    assert {"time_total": 4.0, "time_busy": 0.0, "utilization": 0.0} == second


def test_a_running_task_is_split_between_windows() -> None:
    """Stats computed mid-task count the elapsed part now and the rest later."""
    ticks = Ticks()
    worker_stats = stats(ticks)

    with worker_stats.busy():
        ticks.now += 4
        first = worker_stats.compute()
        ticks.now += 6
    second = worker_stats.compute()

    assert 4.0 == first["time_busy"]
    assert (6.0, 100.0) == (second["time_busy"], second["utilization"])


def test_stats_line_is_logged_once_per_interval() -> None:
    """log_if_due writes "stats" only after the interval, and never when it is 0."""
    ticks = Ticks()
    worker_stats, off = stats(ticks), stats(ticks, interval=0)

    with capture_logs() as logs:
        early = worker_stats.log_if_due()
        ticks.now += 10
        due = worker_stats.log_if_due()
        again = worker_stats.log_if_due()
        never = off.log_if_due()

    assert (False, True, False, False) == (early, due, again, never)
    assert [{"event": "stats", "log_level": "info", "time_total": 10.0,
             "time_busy": 0.0, "utilization": 0.0}] == logs  # fmt: skip


def test_timed_executor_counts_the_execution_as_busy() -> None:
    """Time spent inside the wrapped executor is busy time; its report is returned."""
    ticks = Ticks()
    worker_stats = stats(ticks)

    class SlowExecutor(InlineExecutor):
        def execute(self, request, *, heartbeat):
            ticks.now += 7
            return super().execute(request, heartbeat=heartbeat)

    call = TaskCall(id="t1", hard_timeout=5)
    req = ExecutionRequest(func="tests.ops_tasks:succeed", queue="q", tasks=[call])

    report = TimedExecutor(SlowExecutor(), worker_stats).execute(
        req, heartbeat=lambda: None
    )
    ticks.now += 3

    assert report.success
    assert 70.0 == worker_stats.compute()["utilization"]
