"""Task functions, runners and context managers for the facade cases.

Importable by path (``tests.compat_cases.tasks:<name>``) in the worker or a fork
child; side effects go to files so that a test sees them across processes.
"""

from __future__ import annotations

import json
from typing import Any

from tests.sample_tasks import read_records, record
from tiger_adapters.compat import TaskTiger
from tiger_adapters.compat.runner import DefaultRunner
from tiger_core.errors import RetryException, StopRetry

__all__ = ["read_records"]


def noop(*args: Any, **kwargs: Any) -> None:
    """Do nothing."""
    del args, kwargs


def fail(*args: Any, **kwargs: Any) -> None:
    """Always raise ValueError."""
    raise ValueError(f"failed with {args} {kwargs}")


def fail_key() -> None:
    """Always raise KeyError."""
    raise KeyError("k")


def echo(value: Any) -> Any:
    """Return the argument (for eager execution)."""
    return value


def batch_echo(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A batch function returning what it got."""
    return tasks


batch_echo._task_batch = True  # type: ignore[attr-defined]


def custom_delay(retry_num: int, base: float) -> float:
    """A custom retry method: ``base * retry_num``, stop after two retries."""
    if retry_num > 2:
        raise StopRetry
    return base * retry_num


def retry_with_tuple_method() -> None:
    """Ask for a retry with TaskTiger's ``(function, args)`` method form."""
    raise RetryException(method=(custom_delay, (7,)))


def retry_quietly() -> None:
    """Ask for a retry that deletes the task instead of erroring it at the end."""
    raise RetryException(log_error=False)


def record_current(path: str) -> None:
    """Record what the running-task API shows (id, func, batch flag, instance)."""
    tiger = TaskTiger.current_instance
    task = tiger.current_task
    record(
        path,
        {
            "id": task.id,
            "state": task.state,
            "queue": task.queue,
            "func": tiger.current_serialized_func,
            "is_batch": tiger.current_task_is_batch,
            "args": task.args,
        },
    )


def record_current_batch(tasks: list[dict[str, Any]]) -> None:
    """A batch function recording the ids of ``current_tasks``."""
    tiger = TaskTiger.current_instance
    path = tasks[0]["kwargs"]["path"]
    record(path, [t.id for t in tiger.current_tasks])


record_current_batch._task_batch = True  # type: ignore[attr-defined]


class RecordingRunner(DefaultRunner):
    """A runner that records each hook to the file named in the task kwargs."""

    def run_single_task(self, task: Any, hard_timeout: float) -> None:
        """Record, then run as the default runner does."""
        record(task.kwargs["path"], ["single", task.id, hard_timeout])
        super().run_single_task(task, hard_timeout)

    def run_eager_task(self, task: Any) -> Any:
        """Record, then run as the default runner does."""
        record(task.kwargs["path"], ["eager", task.id])
        return super().run_eager_task(task)

    def on_permanent_error(self, task: Any, execution: dict[str, Any] | None) -> None:
        """Record the task's state and the execution's exception name."""
        name = (execution or {}).get("exception_name")
        record(task.kwargs["path"], ["permanent", task.state, name])


def write_value(path: str, value: Any) -> None:
    """Record ``value`` (the function that RecordingRunner wraps)."""
    record(path, value)


class FileContext:
    """A context manager recording enter and exit to a file."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __enter__(self) -> None:
        record(self.path, "enter")

    def __exit__(self, *exc: object) -> None:
        record(self.path, "exit")


def dumps(value: Any) -> str:
    """JSON text of ``value`` (helper for assertions)."""
    return json.dumps(value)
