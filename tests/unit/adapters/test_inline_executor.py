"""The in-process executor against the Executor contract."""

from __future__ import annotations

import signal

import pytest

from tests.contract.executor import ExecutorContract, request, run
from tiger_adapters.executor import InlineExecutor


class TestInlineExecutor(ExecutorContract):
    """InlineExecutor passes the shared contract."""

    @pytest.fixture
    def executor(self) -> InlineExecutor:
        return InlineExecutor()

    def test_heartbeat_is_not_called_for_a_task(self) -> None:
        """The caller beats at claim time, so a sync run adds no heartbeat."""
        calls: list[str] = []

        report = InlineExecutor().execute(
            request("add", ([1, 2], {})), heartbeat=lambda: calls.append("beat")
        )

        assert report.success
        assert [] == calls

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
