"""Batches: how many tasks a claim takes, and which of them share one execution.

A queue named in ``BATCH_QUEUES`` (or a subqueue of one: the most specific name
wins) is claimed up to its batch size at once. Claimed tasks are grouped by
function in first-seen order; each group is one executor call (one fork). A
``batch=True`` function gets the whole group in one call; any other function runs
the group's tasks one after the other in that child, and the first exception
fails the whole group (TaskTiger's group semantics, compat 5.5).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tiger_core.config import TigerConfig
from tiger_core.model.execution import ExecutionRequest, TaskCall
from tiger_core.model.queue_name import dotted_prefixes
from tiger_core.model.task import StoredTask


def batch_size(queue: str, batch_queues: Mapping[str, int]) -> int:
    """Return the claim size of ``queue``: its most specific BATCH_QUEUES entry."""
    for prefix in dotted_prefixes(queue):
        if prefix in batch_queues:
            return max(int(batch_queues[prefix]), 1)
    return 1


def group_by_function(tasks: Sequence[StoredTask]) -> list[list[StoredTask]]:
    """Group tasks with a payload by (function, runner class), first-seen order."""
    groups: dict[tuple[str, str | None], list[StoredTask]] = {}
    for task in tasks:
        if task.data is not None:
            key = (task.data.func, task.data.runner_class)
            groups.setdefault(key, []).append(task)
    return list(groups.values())


def build_request(
    func: Any, tasks: Sequence[StoredTask], queue: str, config: TigerConfig
) -> ExecutionRequest:
    """Build the execution request of one group (tasks of one function).

    Each task's hard timeout is its own, else the function's, else
    DEFAULT_HARD_TIMEOUT; a batch function runs under the longest of them.
    """
    calls = []
    for task in tasks:
        data = task.data
        assert data is not None
        timeout = (
            data.hard_timeout
            or getattr(func, "_task_hard_timeout", None)
            or config.DEFAULT_HARD_TIMEOUT
        )
        calls.append(
            TaskCall(
                id=data.id,
                args=data.call_args,
                kwargs=data.call_kwargs,
                hard_timeout=float(timeout),
                data=data,
            )
        )
    first = tasks[0].data
    assert first is not None
    return ExecutionRequest(
        func=first.func,
        queue=queue,
        tasks=calls,
        store_tracebacks=config.STORE_TRACEBACKS,
        runner_class=first.runner_class,
    )
