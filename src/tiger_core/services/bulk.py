"""Bulk enqueue: stamp many tasks and write them with one store call."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tiger_core.model.batch import NewTask
from tiger_core.model.queue_name import validate_queue_name
from tiger_core.model.state import TaskState
from tiger_core.model.task import TaskData
from tiger_core.ports import TaskStore


@dataclass(frozen=True)
class BulkItem:
    """One task of a bulk enqueue, as the caller describes it.

    Attributes:
        task: the payload from ``build_task`` (not yet stamped).
        queue: the queue name.
        when: due time in epoch seconds, or None for "now".
        max_queue_size: refuse the task when its queue already holds this many
            queued, scheduled and active tasks (None: no limit).
    """

    task: TaskData
    queue: str
    when: float | None = None
    max_queue_size: int | None = None


def enqueue_tasks(
    store: TaskStore,
    items: Sequence[BulkItem],
    *,
    now: float,
    max_payload_bytes: int | None = None,
) -> list[NewTask | None]:
    """Stamp the queue times of ``items`` and store them in one atomic call.

    Each task gets what :func:`~tiger_core.services.enqueue.enqueue_task` gives a
    single one: ``time_last_queued`` = now, ``scheduled_at`` = its due time, and
    ``scheduled`` when due later, else ``queued``.

    Returns:
        Per item, the task as written (payload, state, score), or None when its
        queue was full and it was not written.

    Raises:
        ValueError: a queue name is invalid; nothing was written.
        PayloadTooLarge: a payload is over ``max_payload_bytes``; nothing was written.
    """
    new_tasks = []
    for item in items:
        validate_queue_name(item.queue)
        due = now if item.when is None else item.when
        stamped = item.task.stamped(now, due)
        state = TaskState.SCHEDULED if due > now else TaskState.QUEUED
        new_tasks.append(NewTask(stamped, item.queue, state, due, item.max_queue_size))
    written = store.enqueue_many(new_tasks, max_payload_bytes=max_payload_bytes)
    return [new if ok else None for new, ok in zip(new_tasks, written, strict=True)]
