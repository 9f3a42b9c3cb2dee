"""Building a task from a call and putting it into storage."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tiger_core.config import TigerConfig
from tiger_core.identity import new_task_id
from tiger_core.model.queue_name import validate_queue_name
from tiger_core.model.state import TaskState
from tiger_core.model.task import TaskData
from tiger_core.policies.unique import UniquePolicy
from tiger_core.ports import TaskStore
from tiger_core.services.options import TaskOptions


def build_task(
    func: str,
    args: Sequence[Any] | None,
    kwargs: Mapping[str, Any] | None,
    options: TaskOptions,
    config: TigerConfig,
) -> TaskData:
    """Return the payload of a new task, with TaskTiger's id and field rules.

    Args:
        func: the function's ``module:qualname``.
        args: positional arguments (tuples become lists).
        kwargs: keyword arguments.
        options: the resolved options of this call.
        config: supplies DEFAULT_RETRY_METHOD for retriable tasks without a method.
    """
    call_args = list(args or [])
    call_kwargs = dict(kwargs or {})
    if options.is_unique:
        task_id = UniquePolicy(keys=options.unique_key).task_id(
            func, call_args, call_kwargs
        )
    else:
        task_id = new_task_id()
    retry_method = options.retry_method
    if retry_method is None and options.is_retriable:
        retry_method = config.DEFAULT_RETRY_METHOD
    return TaskData(
        id=task_id,
        func=func,
        unique=True if options.is_unique else None,
        unique_key=_as_list(options.unique_key),
        lock=True if (options.lock or options.lock_key) else None,
        lock_key=_as_list(options.lock_key),
        args=call_args or None,
        kwargs=call_kwargs or None,
        hard_timeout=options.hard_timeout or None,
        retry_method=_wire(retry_method),
        retry_on=list(options.retry_on) if options.retry_on else None,
        max_queue_size=options.max_queue_size or None,
        max_stored_executions=options.max_stored_executions,
        runner_class=options.runner_class,
    )


def _as_list(keys: tuple[str, ...] | str | None) -> list[str] | str | None:
    if keys is None or isinstance(keys, str):
        return keys
    return list(keys)


def _wire(policy: Any) -> tuple[str, list[Any]] | None:
    if policy is None:
        return None
    path, args = policy.to_wire()
    return (path, args)


def enqueue_task(  # noqa: PLR0913 - the store, the task and keyword-only limits
    store: TaskStore,
    task: TaskData,
    *,
    queue: str,
    when: float | None,
    now: float,
    max_queue_size: int | None = None,
    max_payload_bytes: int | None = None,
) -> tuple[TaskData, TaskState]:
    """Stamp the queue times and store the task as queued or scheduled.

    Args:
        store: where the task goes.
        task: the payload from :func:`build_task`.
        queue: the queue name.
        when: due time in epoch seconds, or None for "now".
        now: the current time.
        max_queue_size: refuse the task (QueueFullException) when the queue
            already holds this many queued, scheduled and active tasks.
        max_payload_bytes: refuse the task (PayloadTooLarge) when its JSON is
            longer; None: no limit. Nothing is written then.

    Returns:
        The stored payload (with ``time_last_queued`` and ``scheduled_at``) and the
        state it entered.

    Raises:
        ValueError: the queue name is invalid (the message states the rule).
        PayloadTooLarge: the payload is over ``max_payload_bytes``.
        QueueFullException: the queue is full.
    """
    validate_queue_name(queue)
    due = now if when is None else when
    state = TaskState.SCHEDULED if due > now else TaskState.QUEUED
    stamped = task.model_copy(update={"time_last_queued": now, "scheduled_at": due})
    store.enqueue(
        stamped,
        queue=queue,
        state=state,
        score=due,
        max_queue_size=max_queue_size,
        max_payload_bytes=max_payload_bytes,
    )
    return stamped, state
