"""The TaskTiger facade over the memory store: failures, retries and admin actions."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Callable
from typing import Any

import pytest

from tests import sample_tasks
from tests.unit.compat.support import START, FakeClock, drain
from tiger_adapters.compat import Task, TaskNotFound, TaskTiger, fixed
from tiger_core.model.state import TaskState

RECORD_KEYS = [
    "time_started",
    "exception_name",
    "time_failed",
    "traceback",
    "success",
    "host",
]


def failed_task(tiger: TaskTiger, message: str = "boom", **options: Any) -> Task:
    """Delay ``fail(message)`` and run it to its next state."""
    task = tiger.delay(sample_tasks.fail, args=[message], **options)
    drain(tiger)
    return task


def states_of(tiger: TaskTiger, task: Task) -> list[str]:
    """The states whose zset holds the task (normally at most one)."""
    return [
        str(state)
        for state in TaskState
        if any(
            t.id == task.id for t in Task.tasks_from_queue(tiger, task.queue, state)[1]
        )
    ]


def test_failing_task_lands_in_error_with_a_record(tiger: TaskTiger) -> None:
    """A task that raises moves to error with one execution record (compat 3.5)."""
    task = failed_task(tiger, "boom")

    loaded = Task.from_id(tiger, "default", "error", task.id, load_executions=10)

    assert states_of(tiger, task) == ["error"]
    assert loaded.n_executions() == 1
    assert len(loaded.executions) == 1
    record = loaded.executions[0]
    assert list(record) == RECORD_KEYS
    assert record["exception_name"] == "builtins:ValueError"
    assert "ValueError: boom" in record["traceback"]
    assert "Traceback (most recent call last)" in record["traceback"]
    assert record["success"] is False
    assert record["host"] == socket.gethostname()
    assert record["time_started"] <= record["time_failed"]
    assert loaded.ts == dt.datetime.fromtimestamp(START, tz=dt.UTC).replace(tzinfo=None)


def test_retry_puts_an_errored_task_back_in_queued(tiger: TaskTiger) -> None:
    """``retry()`` moves an errored task to queued, where a worker runs it again."""
    task = failed_task(tiger)
    loaded = Task.from_id(tiger, "default", "error", task.id)

    loaded.retry()

    assert loaded.state == "queued"
    assert states_of(tiger, task) == ["queued"]
    assert Task.from_id(tiger, "default", "queued", task.id).n_executions() == 1
    drain(tiger)
    assert Task.from_id(tiger, "default", "error", task.id).n_executions() == 2


def test_delete_removes_an_errored_task(tiger: TaskTiger) -> None:
    """``delete()`` removes an errored task and its executions."""
    task = failed_task(tiger)
    loaded = Task.from_id(tiger, "default", "error", task.id)

    loaded.delete()

    assert states_of(tiger, task) == []
    with pytest.raises(TaskNotFound):
        Task.from_id(tiger, "default", "error", task.id)


def test_cancel_removes_a_scheduled_task(tiger: TaskTiger, clock: FakeClock) -> None:
    """``cancel()`` removes a scheduled task, so it never runs."""
    task = tiger.delay(sample_tasks.fail, args=["never"], when=dt.timedelta(seconds=5))

    task.cancel()
    clock.advance(10)
    drain(tiger)

    assert states_of(tiger, task) == []
    assert tiger.get_queue_sizes("default") == {
        "queued": 0,
        "scheduled": 0,
        "active": 0,
    }


@pytest.mark.parametrize(
    ("action", "state"),
    [(Task.retry, "error"), (Task.delete, "error"), (Task.cancel, "scheduled")],
    ids=["retry", "delete", "cancel"],
)
def test_actions_in_the_wrong_state_raise_task_not_found(
    tiger: TaskTiger, action: Callable[[Task], None], state: str
) -> None:
    """retry/delete/cancel of a queued task raise TaskNotFound with TaskTiger's text."""
    task = tiger.delay(sample_tasks.add, args=[1, 2], queue="q")

    with pytest.raises(TaskNotFound) as excinfo:
        action(task)

    assert str(excinfo.value) == (
        f'Task {task.id} not found in queue "q" in state "{state}".'
    )
    assert states_of(tiger, task) == ["queued"]


def test_fixed_retry_schedules_retries_then_errors(
    tiger: TaskTiger, clock: FakeClock
) -> None:
    """With ``fixed(10, 2)`` a failing task runs 3 times, 10 s apart, then errors."""
    task = failed_task(tiger, retry_method=fixed(10, 2))
    history = [(states_of(tiger, task), task_count(tiger, task))]
    clock.advance(9)
    drain(tiger)
    early = (states_of(tiger, task), task_count(tiger, task))
    for _ in range(2):
        clock.advance(10)
        drain(tiger)
        history.append((states_of(tiger, task), task_count(tiger, task)))

    loaded = Task.from_id(tiger, "default", "error", task.id, load_executions=-1)

    assert early == (["scheduled"], 1)
    assert history == [(["scheduled"], 1), (["scheduled"], 2), (["error"], 3)]
    assert [r["exception_name"] for r in loaded.executions] == [
        "builtins:ValueError"
    ] * 3


def task_count(tiger: TaskTiger, task: Task) -> int:
    """The number of failed executions of ``task``, wherever it is."""
    for state in TaskState:
        try:
            return Task.from_id(tiger, task.queue, state, task.id).n_executions()
        except TaskNotFound:
            continue
    return -1


@pytest.mark.parametrize(
    ("func", "expected"),
    [(sample_tasks.fail, "scheduled"), (sample_tasks.fail_key, "error")],
    ids=["ValueError-retried", "KeyError-not-retried"],
)
def test_retry_on_retries_only_matching_exceptions(
    tiger: TaskTiger, func: Callable[[str], None], expected: str
) -> None:
    """``retry_on=[ValueError]`` retries a ValueError but not a KeyError."""
    task = tiger.delay(func, args=["x"], retry_on=[ValueError])

    drain(tiger)

    assert states_of(tiger, task) == [expected]
    assert task_count(tiger, task) == 1


def test_retry_on_a_subclass_is_retried(tiger: TaskTiger) -> None:
    """``retry_on=[LookupError]`` also retries a KeyError, a subclass."""
    task = tiger.delay(sample_tasks.fail_key, args=["x"], retry_on=[LookupError])

    drain(tiger)

    assert states_of(tiger, task) == ["scheduled"]


def test_retry_exception_without_log_error_deletes_when_exhausted(
    tiger: TaskTiger, clock: FakeClock
) -> None:
    """RetryException(fixed(5, 3), log_error=False) retries 3 times, then is deleted."""
    task = tiger.delay(sample_tasks.retry_task)
    drain(tiger)
    first = Task.from_id(tiger, "default", "scheduled", task.id, load_executions=1)
    counts = [first.n_executions()]
    for _ in range(3):
        clock.advance(5)
        drain(tiger)
        counts.append(task_count(tiger, task))

    assert (
        first.executions[0]["exception_name"] == "tasktiger.exceptions:RetryException"
    )
    assert first.executions[0]["retry"] is True
    assert first.executions[0]["log_error"] is False
    assert first.executions[0]["retry_method"] == ["tasktiger.retry:_fixed", [5, 3]]
    assert counts == [1, 2, 3, -1]
    assert states_of(tiger, task) == []


def test_exhausted_retries_end_in_error(tiger: TaskTiger, clock: FakeClock) -> None:
    """A failing task whose ``fixed(1, 1)`` retries are used up ends in error."""
    task = failed_task(tiger, retry_method=fixed(1, 1))
    clock.advance(1)

    drain(tiger)

    assert states_of(tiger, task) == ["error"]
    assert task_count(tiger, task) == 2


def test_unimportable_function_fails_without_stopping_the_worker(
    tiger: TaskTiger, tmp_path: Any
) -> None:
    """A task whose function vanished errors with TaskImportError; the next one runs."""
    bad = tiger.delay(sample_tasks.add, args=[1, 2], queue="q")
    good = tiger.delay(sample_tasks.record, args=[str(tmp_path / "out"), 1], queue="q")
    tiger.store.enqueue(
        bad._data.model_copy(update={"func": "tests.no_such_module:add"}),
        queue="q",
        state=TaskState.QUEUED,
        score=START,
    )

    drain(tiger)

    loaded = Task.from_id(tiger, "q", "error", bad.id, load_executions=1)
    record = loaded.executions[0]
    assert record["exception_name"] == "tasktiger.exceptions:TaskImportError"
    assert "tests.no_such_module" in record["traceback"]
    assert states_of(tiger, good) == []
    assert sample_tasks.read_records(str(tmp_path / "out")) == [1]
