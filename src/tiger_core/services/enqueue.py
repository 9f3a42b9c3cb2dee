"""Building a task from a call and putting it into storage."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tiger_core.config import TigerConfig
from tiger_core.identity import new_task_id
from tiger_core.model.queue_name import validate_queue_name
from tiger_core.model.state import TaskState
from tiger_core.model.task import TaskData
from tiger_core.policies.unique import UniquePolicy
from tiger_core.ports import TaskStore
from tiger_core.services.options import TaskOptions


@dataclass(frozen=True, slots=True)
class TaskBlueprint:
    """What every task of one function and one set of resolved options shares.

    Computed once by :func:`prepare_task`; :meth:`build` then only adds the id and
    the call's arguments, so a caller may keep a blueprint for repeated calls.

    Attributes:
        func: the function's ``module:qualname``.
        unique: the policy deriving the id from the call, or None (random ids).
        fields: the payload fields that do not depend on the call (passed to
            ``TaskData`` as they are; it copies lists, so tasks share nothing).
    """

    func: str
    unique: UniquePolicy | None
    fields: Mapping[str, Any]

    def build(
        self, args: Sequence[Any] | None, kwargs: Mapping[str, Any] | None
    ) -> TaskData:
        """Return the payload of a new task calling ``func(*args, **kwargs)``.

        Raises:
            pydantic.ValidationError: ``kwargs`` has a key that is not a string.
        """
        call_args = list(args or [])
        call_kwargs = dict(kwargs or {})
        if self.unique is not None:
            task_id = self.unique.task_id(self.func, call_args, call_kwargs)
        else:
            task_id = new_task_id()
        return TaskData(
            id=task_id,
            func=self.func,
            args=call_args or None,
            kwargs=call_kwargs or None,
            **self.fields,
        )


def prepare_task(func: str, options: TaskOptions, config: TigerConfig) -> TaskBlueprint:
    """Return the blueprint of tasks of ``func`` with ``options`` (TaskTiger's rules).

    Args:
        func: the function's ``module:qualname``.
        options: the resolved options of the call.
        config: supplies DEFAULT_RETRY_METHOD for retriable tasks without a method.
    """
    retry_method = options.retry_method
    if retry_method is None and options.is_retriable:
        retry_method = config.DEFAULT_RETRY_METHOD
    fields = {
        "unique": True if options.is_unique else None,
        "unique_key": _as_list(options.unique_key),
        "lock": True if (options.lock or options.lock_key) else None,
        "lock_key": _as_list(options.lock_key),
        "hard_timeout": options.hard_timeout or None,
        "retry_method": _wire(retry_method),
        "retry_on": list(options.retry_on) if options.retry_on else None,
        "max_queue_size": options.max_queue_size or None,
        "max_stored_executions": options.max_stored_executions,
        "runner_class": options.runner_class,
    }
    unique = UniquePolicy(keys=options.unique_key) if options.is_unique else None
    return TaskBlueprint(
        func=func,
        unique=unique,
        fields={key: value for key, value in fields.items() if value is not None},
    )


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
    return prepare_task(func, options, config).build(args, kwargs)


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
    stamped = task.stamped(now, due)
    store.enqueue(
        stamped,
        queue=queue,
        state=state,
        score=due,
        max_queue_size=max_queue_size,
        max_payload_bytes=max_payload_bytes,
    )
    return stamped, state
