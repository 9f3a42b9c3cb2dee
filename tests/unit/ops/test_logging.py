"""Log events carry the fixed keys; tiger_processor tags users' lines in a task."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from structlog.testing import LogCapture

from tests.clock import FrozenClock
from tiger_adapters.executor import InlineExecutor
from tiger_adapters.executor.context import running
from tiger_adapters.logging import (
    configure_logging,
    tasktiger_processor,
    tiger_processor,
)
from tiger_adapters.memory import MemoryTaskStore
from tiger_core.config import TigerConfig
from tiger_core.model.execution import ExecutionRequest, TaskCall
from tiger_core.model.state import TaskState
from tiger_core.model.task import TaskData
from tiger_core.services.worker import WorkerCycle

FIXED_KEYS = {"task_id", "queue", "func", "attempt", "worker_id"}


@pytest.fixture
def captured() -> Iterator[LogCapture]:
    """structlog sends every event, with contextvars merged, to a LogCapture."""
    capture = LogCapture()
    structlog.configure(
        processors=[structlog.contextvars.merge_contextvars, tiger_processor, capture]
    )
    try:
        yield capture
    finally:
        structlog.reset_defaults()
        structlog.contextvars.clear_contextvars()


def request(*ids: str, func: str = "m:f") -> ExecutionRequest:
    calls = [TaskCall(id=task_id, hard_timeout=5) for task_id in ids]
    return ExecutionRequest(func=func, queue="q.sub", tasks=calls)


def run_one(func: str, *args: Any) -> None:
    """Queue one task and run it with a worker cycle on the inline executor."""
    store = MemoryTaskStore()
    data = TaskData.model_validate({"id": "t1", "func": func, "args": list(args)})
    store.enqueue(data, queue="q", state=TaskState.QUEUED, score=0)
    cycle = WorkerCycle(
        store, InlineExecutor(), FrozenClock(), TigerConfig(), owner="w1"
    )
    cycle.run_once()


def test_processor_adds_the_running_task() -> None:
    """Inside a running task a line gets task_id, task_func and queue."""
    with running(request("t1"), is_batch=False):
        event = tiger_processor(None, "info", {"event": "hello"})

    assert {
        "event": "hello",
        "task_id": "t1",
        "task_func": "m:f",
        "queue": "q.sub",
    } == event


def test_processor_lists_the_ids_of_a_batch() -> None:
    """A batch task's lines get task_ids instead of task_id."""
    with running(request("t1", "t2"), is_batch=True):
        event = tiger_processor(None, "info", {"event": "hello"})

    assert ["t1", "t2"] == event["task_ids"]
    assert "task_id" not in event


def test_processor_keeps_keys_and_leaves_lines_outside_tasks() -> None:
    """Keys the line has are kept; outside a task nothing is added."""
    with running(request("t1"), is_batch=False):
        inside = tiger_processor(None, "info", {"event": "x", "queue": "mine"})

    outside = tiger_processor(None, "info", {"event": "y"})

    assert "mine" == inside["queue"]
    assert {"event": "y"} == outside
    assert tasktiger_processor is tiger_processor


def test_user_lines_in_a_task_carry_the_task_id(captured: LogCapture) -> None:
    """A line logged by task code (in-process) carries the task's id and function."""
    run_one("tests.ops_tasks:log_line", "from the task")

    (line,) = [e for e in captured.entries if e["event"] == "from the task"]
    assert "t1" == line["task_id"]
    assert "tests.ops_tasks:log_line" == line["task_func"]


@pytest.mark.parametrize(
    ("func", "args", "events"),
    [
        ("tests.ops_tasks:succeed", [], ["processing", "done"]),
        ("tests.ops_tasks:always_fail", ["boom"], ["processing", "task error"]),
    ],
)
def test_worker_events_carry_the_fixed_keys(
    captured: LogCapture, func: str, args: list[str], events: list[str]
) -> None:
    """processing, done and task error name the task, queue, func, attempt, worker."""
    run_one(func, *args)

    seen = [e for e in captured.entries if e["event"] in events]
    assert events == [e["event"] for e in seen]
    for entry in seen:
        assert FIXED_KEYS <= set(entry), entry
        assert ("t1", "q", func, 1, "w1") == (
            entry["task_id"],
            entry["queue"],
            entry["func"],
            entry["attempt"],
            entry["worker_id"],
        )


def test_configure_logging_writes_json_lines() -> None:
    """configure_logging renders one JSON object per line with level and timestamp."""
    stream = io.StringIO()
    configure_logging(stream=stream)
    try:
        with running(request("t9"), is_batch=False):
            structlog.get_logger("user").warning("careful", n=1)
    finally:
        structlog.reset_defaults()

    line = json.loads(stream.getvalue())
    assert ("careful", "warning", "t9", 1) == (
        line["event"],
        line["level"],
        line["task_id"],
        line["n"],
    )
    assert "timestamp" in line
