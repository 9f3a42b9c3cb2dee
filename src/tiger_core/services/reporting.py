"""Calling the error reporters of a worker without letting them stop it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tiger_core.model.execution import ExecutionRecord
from tiger_core.model.task import StoredTask
from tiger_core.ports import ErrorReporter


def report_failure(
    reporters: Sequence[ErrorReporter],
    task: StoredTask,
    record: ExecutionRecord,
    *,
    permanent: bool,
    log: Any,
) -> None:
    """Hand one stored failure to every reporter; a reporter's error is only logged.

    Args:
        reporters: the worker's error reporters (may be empty).
        task: the task whose execution failed.
        record: the execution record that was stored.
        permanent: whether the task will not run again.
        log: the structlog logger bound to the task's fixed keys.
    """
    for reporter in reporters:
        try:
            reporter.report(task, record, permanent=permanent)
        except Exception:
            log.exception("error reporter failed", reporter=type(reporter).__name__)
