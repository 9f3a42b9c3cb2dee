"""Periodic tasks: queue the next period, at most once, whoever asks.

A periodic function (``@tiger.task(schedule=periodic(...))``) is one unique task
(its id is the unique id over no arguments). Its next run is queued by one atomic
store operation (:meth:`~tiger_core.ports.TaskStore.queue_periodic`) that does
nothing while the task is already queued, scheduled or active elsewhere, so any
number of workers queue each period at most once. Workers call it at start and
before each execution of the function; crash recovery calls it too, so a period
is not lost when the worker running the task dies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tiger_core.config import TigerConfig
from tiger_core.model.task import TaskData
from tiger_core.policies.schedule import CronSchedule, PeriodicSchedule
from tiger_core.ports import TaskStore
from tiger_core.services.enqueue import build_task
from tiger_core.services.options import TaskOptions


def schedule_of(func: Any) -> PeriodicSchedule | CronSchedule | None:
    """Return the schedule a task function was decorated with, if any."""
    schedule = getattr(func, "_task_schedule", None)
    if isinstance(schedule, PeriodicSchedule | CronSchedule):
        return schedule
    return None


def queue_of(func: Any, config: TigerConfig) -> str:
    """Return the queue of a task function (its decorator's, else the default)."""
    options = getattr(func, "_task_options", None)
    queue = options.queue if isinstance(options, TaskOptions) else None
    return queue or getattr(func, "_task_queue", None) or config.DEFAULT_QUEUE


def periodic_task(name: str, func: Any, config: TigerConfig) -> TaskData:
    """Build the payload of a periodic function's task (unique, no arguments)."""
    options = getattr(func, "_task_options", None)
    if not isinstance(options, TaskOptions):
        options = TaskOptions()
    unique = options.model_copy(update={"unique": True, "unique_key": None})
    return build_task(name, [], {}, unique, config)


def queue_next_period(
    store: TaskStore,
    task: TaskData,
    *,
    queue: str,
    schedule: PeriodicSchedule | CronSchedule,
    now: float,
    owner: str | None,
) -> float | None:
    """Schedule the run after ``now`` unless the task is pending; return its time.

    Returns:
        The time of the run that was scheduled, or None (schedule ended, or the
        task is already queued, scheduled, or active under another owner).
    """
    when = schedule.next_run(now)
    if when is None:
        return None
    stamped = task.model_copy(update={"time_last_queued": now, "scheduled_at": when})
    if store.queue_periodic(stamped, queue=queue, when=when, owner=owner):
        return when
    return None


def queue_periodic_tasks(
    store: TaskStore,
    funcs: Mapping[str, Callable[..., Any]],
    config: TigerConfig,
    *,
    now: float,
    handles: Callable[[str], bool],
    log: Any,
) -> int:
    """Queue the next period of every periodic function this worker handles.

    Returns:
        The number of functions whose next run was scheduled now.
    """
    queued = 0
    for name, func in funcs.items():
        schedule = schedule_of(func)
        queue = queue_of(func, config)
        if schedule is None or not handles(queue):
            continue
        task = periodic_task(name, func, config)
        when = queue_next_period(
            store, task, queue=queue, schedule=schedule, now=now, owner=None
        )
        if when is not None:
            queued += 1
            log.info("queued periodic task", func=name, queue=queue, when=when)
    return queued
