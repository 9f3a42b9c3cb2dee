"""Seeding helpers of the dashboard tests (unit and browser): tasks over any store."""

from __future__ import annotations

from typing import Any

from tiger_adapters.compat import TaskTiger
from tiger_core.model.execution import ExecutionRecord
from tiger_core.model.state import TaskState
from tiger_core.model.task import TaskData

TRACEBACK = (
    'Traceback (most recent call last):\n  File "t.py", line 1\nValueError: boom\n'
)


def add_task(  # noqa: PLR0913 - keyword-only seeding knobs
    tiger: TaskTiger,
    task_id: str,
    *,
    queue: str = "default",
    state: TaskState = TaskState.QUEUED,
    score: float | None = None,
    func: str = "tests.sample_tasks:add",
    args: list[Any] | None = None,
) -> None:
    """Store one task, queued or scheduled (it is never run)."""
    now = tiger.clock.now()
    data = TaskData(
        id=task_id,
        func=func,
        args=[1, 2] if args is None else args,
        time_last_queued=now,
    )
    tiger.store.enqueue(data, queue=queue, state=state, score=score or now)


def add_error(  # noqa: PLR0913 - keyword-only seeding knobs
    tiger: TaskTiger,
    task_id: str,
    *,
    queue: str = "default",
    func: str = "tests.sample_tasks:add",
    traceback: str = TRACEBACK,
    exception_name: str = "builtins.ValueError",
    args: list[Any] | None = None,
) -> None:
    """Store one task that failed permanently with a ValueError.

    Call it while ``queue`` has no other queued task (it claims the oldest).
    """
    add_task(tiger, task_id, queue=queue, func=func, args=args)
    now = tiger.clock.now()
    claimed = tiger.store.claim(queue, limit=1, now=now, owner="w1", busy_retry_at=now)
    assert [task_id] == [task.id for task in claimed]
    record = ExecutionRecord(
        time_started=now,
        time_failed=now,
        exception_name=exception_name,
        traceback=traceback,
        host="testhost",
    )
    tiger.store.fail(
        queue,
        task_id,
        record=record,
        owner="w1",
        to_state=TaskState.ERROR,
        score=now,
        keep_executions=None,
    )
