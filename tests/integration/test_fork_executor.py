"""The fork executor: the Executor contract plus what only a child process can do."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog

from tests.contract.executor import (
    TIMEOUT_NAME,
    ExecutorContract,
    failure,
    request,
    run,
)
from tests.sample_tasks import read_records
from tiger_adapters.executor import ForkExecutor
from tiger_adapters.executor import fork as fork_module
from tiger_adapters.executor.process import read_chunk
from tiger_core.model.execution import ExecutionReport, ExecutionRequest

CRASH_NAME = "tiger_adapters.executor.errors:ChildCrashed"


def run_logged(
    executor: ForkExecutor, req: ExecutionRequest
) -> tuple[ExecutionReport, int]:
    """Execute ``req`` and return the report and the child's pid (from the log)."""
    with structlog.testing.capture_logs() as logs:
        report = run(executor, req)
    pids = [e["child_pid"] for e in logs if e["event"] == "processing"]
    assert len(pids) == 1
    return report, pids[0]


def assert_reaped(pid: int) -> None:
    """The child is gone and no zombie of it is left (here or in the fork server).

    A fork server reaps its child just after the report, so allow it a moment.
    """
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    deadline = time.monotonic() + 5
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not Path(f"/proc/{pid}").exists()


class TestForkExecutor(ExecutorContract):
    """ForkExecutor passes the shared contract and polices its children."""

    @pytest.fixture(params=["fork-server", "worker-fork"])
    def executor(self, request: pytest.FixtureRequest) -> Iterator[ForkExecutor]:
        served = request.param == "fork-server"
        executor = ForkExecutor(
            heartbeat_interval=0.1, kill_grace=0.5, fork_server=served
        )
        yield executor
        executor.close()

    def test_child_ignoring_the_alarm_is_killed_at_the_deadline(
        self, executor: ForkExecutor
    ) -> None:
        req = request("sleep_ignoring_alarm", ([10], {}), hard_timeout=0.5)
        started = time.monotonic()

        with structlog.testing.capture_logs() as logs:
            record = failure(run(executor, req))

        assert 0.9 < time.monotonic() - started < 3
        assert record.exception_name == TIMEOUT_NAME
        assert record.traceback is not None
        assert "killed by the parent after 1 s" in record.traceback
        killed = [e for e in logs if e["event"] == "child killed"]
        assert len(killed) == 1
        assert killed[0]["timeout"] == 1.0
        assert_reaped(killed[0]["child_pid"])

    def test_killed_child_record_has_no_traceback_if_not_stored(
        self, executor: ForkExecutor
    ) -> None:
        req = request(
            "sleep_ignoring_alarm",
            ([10], {}),
            hard_timeout=0.5,
            store_tracebacks=False,
        )

        record = failure(run(executor, req))

        assert record.exception_name == TIMEOUT_NAME
        assert record.traceback is None

    def test_heartbeat_is_called_while_the_task_runs(
        self, executor: ForkExecutor
    ) -> None:
        beats: list[float] = []
        started = time.monotonic()

        report = executor.execute(
            request("sleep", ([0.5], {})),
            heartbeat=lambda: beats.append(time.monotonic()),
        )

        assert report.success
        # One beat per 0.1 s interval from the start, the fork server's start
        # included (it is waited for with beats too).
        assert 3 <= len(beats) <= (time.monotonic() - started) / 0.1 + 1

    def test_failing_heartbeat_does_not_stop_the_child(
        self, executor: ForkExecutor
    ) -> None:
        calls: list[int] = []

        def heartbeat() -> None:
            calls.append(1)
            raise ConnectionError("redis is down")

        report = executor.execute(request("sleep", ([0.6], {})), heartbeat=heartbeat)

        assert report.success
        assert len(calls) >= 2

    def test_exit_without_report_names_the_exit_code(
        self, executor: ForkExecutor
    ) -> None:
        report, pid = run_logged(executor, request("hard_exit", ([3], {})))

        record = failure(report)
        assert record.exception_name == CRASH_NAME
        assert record.traceback is not None
        assert f"child process {pid} exited with code 3" in record.traceback
        assert_reaped(pid)

    def test_child_killed_by_a_signal_names_the_signal(
        self, executor: ForkExecutor
    ) -> None:
        report, pid = run_logged(executor, request("kill_self"))

        record = failure(report)
        assert record.exception_name == CRASH_NAME
        assert record.traceback is not None
        assert "killed by signal 9 (SIGKILL)" in record.traceback
        assert_reaped(pid)

    def test_no_zombie_is_left(self, executor: ForkExecutor) -> None:
        calls: list[tuple[str, list[Any]]] = [
            ("add", [1, 2]),
            ("fail", ["boom"]),
            ("exit_task", []),
        ]
        for func, args in calls:
            _, pid = run_logged(executor, request(func, (args, {})))
            assert_reaped(pid)

    def test_child_machinery_failure_never_unwinds_the_parent_stack(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        executor = ForkExecutor(
            heartbeat_interval=0.1, kill_grace=0.5, fork_server=False
        )
        path = str(tmp_path / "finally")

        def broken_run_request(req: ExecutionRequest, *, host: str) -> None:
            raise KeyboardInterrupt  # escapes run_request's safety net

        monkeypatch.setattr(fork_module, "run_request", broken_run_request)
        try:
            report = run(executor, request("add", ([1, 2], {})))
        finally:
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(f"{os.getpid()}\n")

        assert Path(path).read_text(encoding="utf-8") == f"{os.getpid()}\n"
        record = failure(report)
        assert record.exception_name == CRASH_NAME
        assert record.traceback is not None
        assert f"exited with code {fork_module.EXIT_NO_REPORT}" in record.traceback

    def test_task_runs_in_another_process(
        self, executor: ForkExecutor, tmp_path: Path
    ) -> None:
        path = str(tmp_path / "pid")

        assert run(executor, request("record_pid", ([path], {}))).success

        assert read_records(path) != [os.getpid()]

    def test_child_ignores_sigint(self, executor: ForkExecutor, tmp_path: Path) -> None:
        path = str(tmp_path / "alive")

        assert run(executor, request("interrupt_self", ([path], {}))).success

        assert read_records(path) == ["alive"]

    def test_each_child_reseeds_random(
        self, executor: ForkExecutor, tmp_path: Path
    ) -> None:
        path = str(tmp_path / "random")

        for _ in range(2):
            assert run(executor, request("record_random", ([path], {}))).success

        first, second = read_records(path)
        assert first != second

    def test_options_are_validated(self) -> None:
        with pytest.raises(ValueError, match="heartbeat_interval"):
            ForkExecutor(heartbeat_interval=0)
        with pytest.raises(ValueError, match="kill_grace"):
            ForkExecutor(kill_grace=-1)


def test_sigterm_to_the_child_does_not_fail_the_task(tmp_path: Path) -> None:
    """A process-group SIGTERM reaching the child lets the running task finish."""
    executor = ForkExecutor(heartbeat_interval=0.05, kill_grace=0.5)
    path = str(tmp_path / "done")
    sent: list[int] = []

    def terminate_child_once() -> None:
        child = executor._running
        if child is not None and not sent:
            os.kill(child.pid, signal.SIGTERM)
            sent.append(child.pid)

    req = request("sleep_then_record", ([path, 0.5, "done"], {}))
    report = executor.execute(req, heartbeat=terminate_child_once)
    executor.close()

    assert 1 == len(sent)
    assert report.success
    assert ["done"] == read_records(path)


def test_stop_signal_after_the_report_keeps_the_success(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second stop signal between the success report and the reaping is moot."""
    executor = ForkExecutor(heartbeat_interval=5, kill_grace=0.5, spare=False)

    def read_then_interrupt(fd: int) -> bytes:
        chunk = read_chunk(fd)
        if chunk:
            executor.interrupt()
        return chunk

    monkeypatch.setattr(fork_module, "read_chunk", read_then_interrupt)

    report = run(executor, request("add", ([1, 2], {})))

    assert report.success
