"""The in-process executor against the Executor contract."""

from __future__ import annotations

import signal
import threading
import time

import pytest
import redis
from structlog.testing import capture_logs

from tests.contract.executor import ExecutorContract, request, run
from tiger_adapters.executor import InlineExecutor
from tiger_adapters.executor.inline import BEAT_THREAD
from tiger_core.errors import LeaseLost


class Beats:
    """A fake heartbeat: records when each call started and ended (monotonic)."""

    def __init__(self, *, duration: float = 0, error: Exception | None = None) -> None:
        self.duration = duration
        self.error = error
        self.started: list[float] = []
        self.ended: list[float] = []

    def __call__(self) -> None:
        self.started.append(time.monotonic())
        time.sleep(self.duration)
        self.ended.append(time.monotonic())
        if self.error is not None:
            raise self.error


class TestInlineExecutor(ExecutorContract):
    """InlineExecutor passes the shared contract."""

    @pytest.fixture
    def executor(self) -> InlineExecutor:
        return InlineExecutor()

    def test_heartbeat_beats_while_a_long_task_runs(self) -> None:
        """A task outliving several intervals is beaten from a thread meanwhile."""
        beats = Beats()
        executor = InlineExecutor(heartbeat_interval=0.05)

        report = executor.execute(request("sleep", ([0.6], {})), heartbeat=beats)
        returned = time.monotonic()
        time.sleep(0.2)

        assert report.success
        assert len(beats.ended) >= 5
        assert max(beats.ended) <= returned  # every beat is over before the return
        assert not [t for t in beats.started if t > returned]
        assert not [t for t in threading.enumerate() if t.name == BEAT_THREAD]

    def test_short_task_is_not_beaten(self) -> None:
        """The caller beat at claim time: a task shorter than an interval adds none."""
        beats = Beats()

        report = InlineExecutor(heartbeat_interval=5).execute(
            request("add", ([1, 2], {})), heartbeat=beats
        )

        assert report.success
        assert [] == beats.started

    def test_a_beat_in_progress_is_waited_for(self) -> None:
        """The report is returned only once a beat running at the end is over."""
        beats = Beats(duration=0.3)
        executor = InlineExecutor(heartbeat_interval=0.05)

        report = executor.execute(request("sleep", ([0.1], {})), heartbeat=beats)
        returned = time.monotonic()

        assert report.success
        assert 1 == len(beats.ended)
        assert beats.ended[0] <= returned

    def test_lost_lease_stops_the_beats_and_the_task_runs_on(self) -> None:
        """LeaseLost: the task cannot be stopped in-process; it is beaten no more."""
        beats = Beats(error=LeaseLost("taken over by w2"))
        executor = InlineExecutor(heartbeat_interval=0.05)

        with capture_logs() as logs:
            report = executor.execute(request("sleep", ([0.4], {})), heartbeat=beats)

        assert report.success  # the settle refuses it as "lease lost"
        assert 1 == len(beats.started)
        assert "lease lost, the task runs on" in [e["event"] for e in logs]

    def test_redis_errors_do_not_stop_the_beats(self) -> None:
        """A beat failing otherwise (Redis unreachable) is logged; beating goes on."""
        beats = Beats(error=redis.ConnectionError("redis down"))
        executor = InlineExecutor(heartbeat_interval=0.05)

        with capture_logs() as logs:
            report = executor.execute(request("sleep", ([0.4], {})), heartbeat=beats)

        assert report.success
        assert len(beats.started) >= 3
        assert "heartbeat failed" in [e["event"] for e in logs]

    def test_interval_must_be_positive(self) -> None:
        with pytest.raises(ValueError, match="heartbeat_interval"):
            InlineExecutor(heartbeat_interval=0)

    def test_alarm_handler_is_restored(self, executor: InlineExecutor) -> None:
        before = signal.getsignal(signal.SIGALRM)

        run(executor, request("fail", (["boom"], {}), hard_timeout=1))

        assert signal.getsignal(signal.SIGALRM) is before

    def test_an_outer_timer_is_rearmed(self, executor: InlineExecutor) -> None:
        previous = signal.signal(signal.SIGALRM, lambda signum, frame: None)
        outer = signal.setitimer(signal.ITIMER_REAL, 30)
        try:
            run(executor, request("add", ([1, 2], {}), hard_timeout=1))

            left, _ = signal.getitimer(signal.ITIMER_REAL)
            assert 28 < left <= 30
        finally:
            signal.setitimer(signal.ITIMER_REAL, *outer)
            signal.signal(signal.SIGALRM, previous)
