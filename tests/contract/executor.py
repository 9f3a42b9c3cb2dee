"""ExecutorContract: the behaviour every Executor adapter must have.

Concrete test classes subclass it and provide an ``executor`` fixture. Tasks are
the functions of ``tests.sample_tasks``; side effects go to files under
``tmp_path`` so they are visible whether the task ran in-process or in a child.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tests.sample_tasks import read_records
from tiger_core.errors import WIRE_NAMES, JobTimeoutException, RetryException
from tiger_core.model.execution import (
    ExecutionRecord,
    ExecutionReport,
    ExecutionRequest,
    TaskCall,
)
from tiger_core.ports import Executor

TIMEOUT_NAME = WIRE_NAMES[JobTimeoutException]


def request(
    func: str,
    *calls: tuple[list[Any], dict[str, Any]],
    hard_timeout: float = 5.0,
    store_tracebacks: bool = True,
) -> ExecutionRequest:
    """Build a request for ``tests.sample_tasks:<func>`` with one task per call."""
    tasks = [
        TaskCall(id=f"t{i}", args=args, kwargs=kwargs, hard_timeout=hard_timeout)
        for i, (args, kwargs) in enumerate(calls or [([], {})])
    ]
    return ExecutionRequest(
        func=f"tests.sample_tasks:{func}",
        queue="q",
        tasks=tasks,
        store_tracebacks=store_tracebacks,
    )


def run(executor: Executor, req: ExecutionRequest) -> ExecutionReport:
    """Execute ``req`` with a heartbeat that does nothing."""
    return executor.execute(req, heartbeat=lambda: None)


def failure(report: ExecutionReport) -> ExecutionRecord:
    """Assert that ``report`` is a failure and return its record."""
    assert not report.success
    assert report.record is not None
    assert report.record.success is False
    return report.record


class ExecutorContract:
    """Tests that every Executor adapter must pass."""

    def test_success_runs_every_task_in_order(
        self, executor: Executor, tmp_path: Path
    ) -> None:
        path = str(tmp_path / "out")
        req = request("record", ([path, 1], {}), ([path, 2], {}))

        report = run(executor, req)

        assert report == ExecutionReport(success=True)
        assert read_records(path) == [1, 2]

    def test_exception_becomes_a_failure_record(self, executor: Executor) -> None:
        before = time.time()

        record = failure(run(executor, request("fail", (["boom"], {}))))

        assert record.exception_name == "builtins:ValueError"
        assert record.traceback is not None
        assert "ValueError: boom" in record.traceback
        assert record.host
        assert record.time_started is not None
        assert record.time_failed is not None
        assert before <= record.time_started <= record.time_failed <= time.time()
        assert record.retry is None

    def test_first_exception_stops_the_group(
        self, executor: Executor, tmp_path: Path
    ) -> None:
        path = str(tmp_path / "out")
        req = request("record", ([path, 1], {}), ([], {}), ([path, 3], {}))

        record = failure(run(executor, req))

        assert record.exception_name == "builtins:TypeError"
        assert read_records(path) == [1]

    def test_retry_exception_records_its_method(self, executor: Executor) -> None:
        record = failure(run(executor, request("retry_task")))

        assert record.retry is True
        assert record.retry_method == ("tasktiger.retry:_fixed", [5, 3])
        assert record.log_error is False
        assert record.exception_name == WIRE_NAMES[RetryException]

    def test_retry_exception_keeps_the_original_traceback(
        self, executor: Executor
    ) -> None:
        record = failure(run(executor, request("retry_with_original")))

        assert record.retry is True
        assert record.retry_method is None
        assert record.log_error is True
        assert record.traceback is not None
        assert "KeyError: 'original problem'" in record.traceback

    def test_unimportable_function_is_reported_not_raised(
        self, executor: Executor
    ) -> None:
        record = failure(run(executor, request("no_such_function")))

        assert record.exception_name == "tasktiger.exceptions:TaskImportError"
        assert record.traceback is not None
        assert "no_such_function" in record.traceback

    def test_batch_function_is_called_once_with_the_list(
        self, executor: Executor, tmp_path: Path
    ) -> None:
        path = str(tmp_path / "out")
        req = request("batch_collect", ([1], {"path": path}), ([2], {"path": path}))

        assert run(executor, req).success

        assert read_records(path) == [
            [
                {"args": [1], "kwargs": {"path": path}},
                {"args": [2], "kwargs": {"path": path}},
            ]
        ]

    def test_system_exit_is_a_failure(self, executor: Executor) -> None:
        record = failure(run(executor, request("exit_task")))

        assert record.exception_name == "builtins:SystemExit"

    def test_tracebacks_can_be_left_out(self, executor: Executor) -> None:
        req = request("fail", (["boom"], {}), store_tracebacks=False)

        record = failure(run(executor, req))

        assert record.exception_name == "builtins:ValueError"
        assert record.traceback is None
        assert "traceback" not in record.to_wire()

    def test_soft_timeout_raises_job_timeout(self, executor: Executor) -> None:
        started = time.monotonic()

        record = failure(run(executor, request("sleep", ([5], {}), hard_timeout=0.5)))

        assert time.monotonic() - started < 2.5
        assert record.exception_name == TIMEOUT_NAME
        assert record.traceback is not None
        assert "Job exceeded maximum timeout value (0.5 seconds)." in record.traceback

    def test_a_fast_task_is_not_timed_out_later(
        self, executor: Executor, tmp_path: Path
    ) -> None:
        path = str(tmp_path / "out")

        assert run(
            executor, request("record", ([path, 1], {}), hard_timeout=0.1)
        ).success
        time.sleep(0.2)  # the alarm must have been disarmed

        assert read_records(path) == [1]

    def test_large_failure_report_arrives_whole(self, executor: Executor) -> None:
        record = failure(run(executor, request("big_failure", ([1_000_000], {}))))

        assert record.traceback is not None
        assert "x" * 1_000_000 in record.traceback
