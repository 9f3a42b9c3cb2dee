"""The Lua scripts of the Redis store, loaded once per client, with typed wrappers.

Each file under ``lua/`` is one atomic operation whose header states its KEYS,
ARGV and return value. :class:`Scripts` reads them with :mod:`importlib.resources`
when it is constructed (importing this module does no I/O) and registers them with
``client.register_script``; redis-py's ``Script`` runs EVALSHA and reloads the
script after a ``NOSCRIPT`` reply (for example after ``SCRIPT FLUSH``).

The wrappers take domain arguments and build the KEYS from :class:`KeySchema`, so
no key name is spelled here. Error replies (``LEASE_LOST``, ``NOT_IN_ZSET``) are
raised as :class:`redis.exceptions.ResponseError`; the store maps them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import redis
from redis.client import Pipeline
from redis.commands.core import Script

from tiger_adapters.codec import queue_full
from tiger_adapters.redis.keys import KeySchema
from tiger_adapters.redis.lua_files import register_scripts
from tiger_core.model.state import TaskState

#: The script files, one per atomic operation.
SCRIPT_NAMES: tuple[str, ...] = (
    "enqueue_task",
    "enqueue_tasks",
    "claim_tasks",
    "heartbeat_tasks",
    "complete_task",
    "fail_task",
    "move_task",
    "promote_due",
    "update_scheduled_time",
    "defer_task",
)

#: The state order of the per-queue zsets and state sets in the shared KEYS layout.
_LAYOUT_STATES: tuple[TaskState, ...] = (
    TaskState.ACTIVE,
    TaskState.QUEUED,
    TaskState.SCHEDULED,
    TaskState.ERROR,
)


#: The states whose zsets count towards ``max_queue_size`` (enqueue_task KEYS 5-7).
_SIZED_STATES: tuple[TaskState, ...] = (
    TaskState.QUEUED,
    TaskState.SCHEDULED,
    TaskState.ACTIVE,
)


def _flag(value: bool) -> str:
    return "1" if value else "0"


def _state_arg(state: TaskState | None) -> str:
    return "" if state is None else state.value


class Scripts:
    """The registered Lua scripts of one Redis client.

    Args:
        client: the redis-py client the scripts run on.
        keys: the key schema (prefix) of the installation.
    """

    def __init__(self, client: redis.Redis, keys: KeySchema) -> None:
        self._keys = keys
        self._scripts: dict[str, Script] = register_scripts(client, SCRIPT_NAMES)

    def _run(self, name: str, keys: Sequence[str], args: Sequence[Any]) -> Any:
        return self._scripts[name](keys=list(keys), args=list(args))

    def _task_keys(self, queue: str, task_id: str) -> list[str]:
        """The 12 KEYS shared by complete_task, fail_task and move_task."""
        k = self._keys
        return [
            k.task(task_id),
            k.executions(task_id),
            k.executions_count(task_id),
            *(k.state_zset(state, queue) for state in _LAYOUT_STATES),
            *(k.state_set(state) for state in _LAYOUT_STATES),
            k.owners(queue),
        ]

    def enqueue_task(  # noqa: PLR0913 - mirrors the script's ARGV
        self,
        queue: str,
        state: TaskState,
        task_id: str,
        payload: str,
        *,
        score: float,
        publish: bool,
        max_queue_size: int | None = None,
    ) -> bool:
        """Run ``enqueue_task.lua``; return whether the id entered the state zset.

        Raises:
            QueueFullException: the queue already holds ``max_queue_size`` tasks
                (queued, scheduled and active); nothing was written.
        """
        keys, args = self.enqueue_call(
            queue,
            state,
            task_id,
            payload,
            score=score,
            publish=publish,
            max_queue_size=max_queue_size,
        )
        result = self._run("enqueue_task", keys, args)
        if isinstance(result, list):
            raise queue_full(queue, int(result[1]), int(args[-1]))
        return bool(result)

    def enqueue_call(  # noqa: PLR0913 - mirrors the script's ARGV
        self,
        queue: str,
        state: TaskState,
        task_id: str,
        payload: str,
        *,
        score: float,
        publish: bool,
        max_queue_size: int | None,
    ) -> tuple[list[str], list[str]]:
        """The KEYS and ARGV of one ``enqueue_task.lua`` call."""
        k = self._keys
        keys = [
            k.state_set(state),
            k.task(task_id),
            k.state_zset(state, queue),
            k.activity(),
            *(k.state_zset(s, queue) for s in _SIZED_STATES),
        ]
        limit = "" if max_queue_size is None else str(max_queue_size)
        args = [queue, task_id, payload, repr(score), _flag(publish), limit]
        return keys, args

    def enqueue_batch(
        self,
        pipe: Pipeline,
        queue: str,
        tasks: Sequence[tuple[str, str, float, TaskState, int | None]],
        *,
        publish: bool,
    ) -> None:
        """Queue one ``enqueue_tasks.lua`` call for ``queue`` on ``pipe``.

        Args:
            pipe: the pipeline (its reply is one integer per task: 1 or 0 written,
                -1 refused by max_queue_size).
            queue: the queue of every task.
            tasks: per task: id, payload JSON, score, state, max_queue_size.
            publish: announce the queue if a task entered queued.
        """
        k = self._keys
        keys = [
            k.state_set(TaskState.QUEUED),
            k.state_set(TaskState.SCHEDULED),
            *(k.state_zset(s, queue) for s in _SIZED_STATES),
            k.activity(),
            *(k.task(task_id) for task_id, *_ in tasks),
        ]
        args: list[str] = [queue, _flag(publish)]
        for task_id, payload, score, state, limit in tasks:
            size = "" if limit is None else str(limit)
            args += [task_id, payload, repr(score), state.value, size]
        self._scripts["enqueue_tasks"](keys=keys, args=args, client=pipe)

    def update_scheduled_time(
        self, queue: str, task_id: str, *, when: float, read: str, write: str
    ) -> int:
        """Run ``update_scheduled_time.lua``; 1 done, 0 payload changed, -1 absent."""
        keys = [
            self._keys.state_zset(TaskState.SCHEDULED, queue),
            self._keys.task(task_id),
        ]
        args = [task_id, repr(when), read, write]
        return int(self._run("update_scheduled_time", keys, args))

    def claim_tasks(
        self,
        queue: str,
        *,
        limit: int,
        now: float,
        owner: str,
        busy_retry_at: float,
    ) -> list[str]:
        """Run ``claim_tasks.lua``; return the claimed ids, oldest first."""
        if limit <= 0:
            return []
        k = self._keys
        keys = [
            k.state_zset(TaskState.QUEUED, queue),
            k.state_zset(TaskState.ACTIVE, queue),
            k.state_zset(TaskState.SCHEDULED, queue),
            k.owners(queue),
            k.state_set(TaskState.QUEUED),
            k.state_set(TaskState.ACTIVE),
            k.state_set(TaskState.SCHEDULED),
        ]
        args = [limit, repr(now), queue, owner, repr(busy_retry_at)]
        return [str(task_id) for task_id in self._run("claim_tasks", keys, args)]

    def heartbeat_tasks(
        self, queue: str, task_ids: Sequence[str], *, now: float, owner: str
    ) -> list[str]:
        """Run ``heartbeat_tasks.lua``; return the ids ``owner`` no longer holds."""
        if not task_ids:
            return []
        keys = [
            self._keys.state_zset(TaskState.ACTIVE, queue),
            self._keys.owners(queue),
        ]
        args = [repr(now), owner, *task_ids]
        return [str(task_id) for task_id in self._run("heartbeat_tasks", keys, args)]

    def complete_task(
        self, queue: str, task_id: str, *, owner: str, unique: bool | None = None
    ) -> None:
        """Run ``complete_task.lua`` (raises ResponseError ``LEASE_LOST``)."""
        keys = self._task_keys(queue, task_id)
        flag = "" if unique is None else _flag(unique)
        self._run("complete_task", keys, [task_id, queue, owner, flag])

    def fail_task(  # noqa: PLR0913 - mirrors the script's ARGV
        self,
        queue: str,
        task_id: str,
        *,
        owner: str,
        record: str,
        keep: int,
        to_state: TaskState | None,
        score: float,
    ) -> None:
        """Run ``fail_task.lua`` (raises ResponseError ``LEASE_LOST``)."""
        keys = self._task_keys(queue, task_id)
        args = [task_id, queue, owner, record, keep, _state_arg(to_state), repr(score)]
        self._run("fail_task", keys, args)

    def move_task(
        self,
        queue: str,
        task_id: str,
        *,
        from_state: TaskState,
        to_state: TaskState | None,
        score: float,
        publish: bool,
    ) -> None:
        """Run ``move_task.lua`` (raises ResponseError ``NOT_IN_ZSET``)."""
        keys = [*self._task_keys(queue, task_id), self._keys.activity()]
        args = [
            task_id,
            queue,
            from_state.value,
            _state_arg(to_state),
            repr(score),
            _flag(publish),
        ]
        self._run("move_task", keys, args)

    def promote_due(self, queue: str, *, now: float, limit: int, publish: bool) -> int:
        """Run ``promote_due.lua``; return the number of ids that entered queued."""
        if limit <= 0:
            return 0
        k = self._keys
        keys = [
            k.state_zset(TaskState.SCHEDULED, queue),
            k.state_zset(TaskState.QUEUED, queue),
            k.state_set(TaskState.SCHEDULED),
            k.state_set(TaskState.QUEUED),
            k.activity(),
        ]
        args = [repr(now), limit, queue, _flag(publish)]
        return int(self._run("promote_due", keys, args))

    def defer_task(self, queue: str, task_id: str, *, owner: str, score: float) -> None:
        """Run ``defer_task.lua`` (raises ResponseError ``LEASE_LOST``)."""
        k = self._keys
        keys = [
            k.state_zset(TaskState.ACTIVE, queue),
            k.state_zset(TaskState.SCHEDULED, queue),
            k.state_set(TaskState.ACTIVE),
            k.state_set(TaskState.SCHEDULED),
            k.owners(queue),
        ]
        self._run("defer_task", keys, [task_id, queue, owner, repr(score)])
