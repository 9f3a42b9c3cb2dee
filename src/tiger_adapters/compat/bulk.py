"""``TaskTiger.delay_many``: queue many tasks in one round trip (Tiger's own API)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from tiger_adapters.compat.options import when_to_epoch
from tiger_core.errors import QueueFullException
from tiger_core.services.bulk import BulkItem, enqueue_tasks

if TYPE_CHECKING:
    from tiger_adapters.compat.task import Task
    from tiger_adapters.compat.tiger import TaskTiger


def delay_many(tiger: TaskTiger, calls: Iterable[Mapping[str, Any]]) -> list[Task]:
    """Queue every call of ``calls`` with one store write (see ``delay_many``).

    Raises:
        ValueError: a call has no ``func`` or an invalid queue name.
        TypeError: an argument is not JSON-serializable.
        PayloadTooLarge: a payload is over MAX_PAYLOAD_BYTES (nothing written).
        QueueFullException: some calls hit their ``max_queue_size``; the others
            were queued (the message names how many were refused).
    """
    if tiger.config.ALWAYS_EAGER:  # each call runs (or is scheduled) like delay
        return [_delay_one(tiger, call) for call in calls]
    from tiger_adapters.compat.task import Task  # noqa: PLC0415 - import cycle

    now = tiger.clock.now()
    tasks: list[Task] = []
    items: list[BulkItem] = []
    for call in calls:
        options = dict(call)
        func = options.pop("func", None)
        if func is None:
            raise ValueError(f"delay_many: a call has no 'func': {call!r}")
        when = when_to_epoch(options.pop("when", None), now)
        limit = options.pop("max_queue_size", None)
        task = Task(tiger, func, **options)
        tasks.append(task)
        items.append(
            BulkItem(
                task=task._data,
                queue=task.queue,
                when=when,
                max_queue_size=limit or task._data.max_queue_size or None,
            )
        )
    written = enqueue_tasks(
        tiger.store, items, now=now, max_payload_bytes=tiger.config.MAX_PAYLOAD_BYTES
    )
    refused = [task.id for task, new in zip(tasks, written, strict=True) if not new]
    for task, new in zip(tasks, written, strict=True):
        if new is not None:  # what Task.delay records after its write
            task._data = new.task
            task._state = str(new.state)
            task._ts = new.task.scheduled_at
    if refused:
        raise QueueFullException(
            f"{len(refused)} of {len(tasks)} tasks were not queued (max_queue_size "
            f"reached): {', '.join(refused)}; the others were queued"
        )
    return tasks


def _delay_one(tiger: TaskTiger, call: Mapping[str, Any]) -> Task:
    options = dict(call)
    func = options.pop("func", None)
    if func is None:
        raise ValueError(f"delay_many: a call has no 'func': {call!r}")
    return tiger.delay(func, **options)
