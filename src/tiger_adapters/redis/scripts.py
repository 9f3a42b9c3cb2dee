"""The Lua scripts of the Redis store, loaded once per client, with typed wrappers.

Each file under ``lua/`` is one atomic operation whose header states its KEYS,
ARGV and return value. :class:`Scripts` reads them with :mod:`importlib.resources`
when it is constructed (importing this module does no I/O) and binds them to the
client as :class:`~tiger_adapters.redis.lua_files.LuaScript`: EVALSHA, and EVAL
with the source after a ``NOSCRIPT`` reply (for example after ``SCRIPT FLUSH``).

The wrappers take domain arguments and build the KEYS from :class:`KeySchema`, so
no key name is spelled here. Error replies (``LEASE_LOST``, ``NOT_IN_ZSET``) are
raised as :class:`redis.exceptions.ResponseError`; the store maps them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import methodcaller
from typing import Any

import redis
from redis.client import NEVER_DECODE, Pipeline

from tiger_adapters.redis.enqueue_calls import BulkTask, EnqueueCalls
from tiger_adapters.redis.keys import KeySchema
from tiger_adapters.redis.lane import evalsha_command, pack_command, run_script
from tiger_adapters.redis.lua_files import LuaScript, register_scripts
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
    "sweep_leases",
)

#: Milliseconds a claim's answer is kept for a re-send of the same request
#: (``claim_tasks.lua``): longer than any outage a worker rides out while it
#: still holds the leases of what it claimed.
CLAIM_REPLY_TTL_MS = 600_000

#: The state order of the per-queue zsets and state sets in the shared KEYS layout.
_LAYOUT_STATES: tuple[TaskState, ...] = (
    TaskState.ACTIVE,
    TaskState.QUEUED,
    TaskState.SCHEDULED,
    TaskState.ERROR,
)


def _flag(value: bool) -> str:
    return "1" if value else "0"


def _state_arg(state: TaskState | None) -> str:
    return "" if state is None else state.value


def _fast_encoder(client: redis.Redis) -> Callable[[Any], bytes]:
    """The client's encoding of a value, with a shortcut for ``str``."""
    encoder = client.get_encoder()
    text = methodcaller("encode", encoder.encoding, encoder.encoding_errors)
    other: Callable[[Any], bytes] = encoder.encode

    def encode(value: Any) -> bytes:
        return text(value) if type(value) is str else other(value)

    return encode


class Scripts:
    """The registered Lua scripts of one Redis client.

    Args:
        client: the redis-py client the scripts run on.
        keys: the key schema (prefix) of the installation.
    """

    def __init__(self, client: redis.Redis, keys: KeySchema) -> None:
        self._keys = keys
        self._scripts: dict[str, LuaScript] = register_scripts(client, SCRIPT_NAMES)
        scripts = self._scripts
        #: The enqueue calls (the hot path of delay), in their own module.
        self.enqueue = EnqueueCalls(
            client, keys, scripts["enqueue_task"], scripts["enqueue_tasks"]
        )
        self._client = client
        self._lane = self.enqueue.lane  # one kept connection for every script call
        self._encode = _fast_encoder(client)

    def mget_raw(self, names: list[str]) -> list[Any]:
        """MGET ``names`` with the values as bytes (never decoded), on the lane."""
        if self._lane is None:
            run: Callable[..., list[Any]] = self._client.execute_command
            return run("MGET", *names, **{NEVER_DECODE: True})
        encode = self._encode
        packed = pack_command([b"MGET", *(encode(name) for name in names)])
        reply: list[Any] = self._lane.run(packed, raw=True)
        return reply

    def _run(self, name: str, keys: Sequence[str], args: Sequence[Any]) -> Any:
        """EVALSHA the script, packed here and sent on the lane when there is one.

        Without a lane (see :func:`lane_for`), the script runs through the client.
        Either way a ``NOSCRIPT`` reply sends the call again as EVAL.
        """
        script = self._scripts[name]
        lane = self._lane
        if lane is None:
            return script(keys=list(keys), args=list(args))
        parts = [self._encode(part) for part in (*keys, *args)]
        return run_script(lane, script, evalsha_command(script, len(keys), parts))

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
        """Run ``enqueue_task.lua`` (see :meth:`EnqueueCalls.enqueue_task`)."""
        return self.enqueue.enqueue_task(
            queue,
            state,
            task_id,
            payload,
            score=score,
            publish=publish,
            max_queue_size=max_queue_size,
        )

    def enqueue_batch(
        self,
        pipe: Pipeline,
        queue: str,
        tasks: Sequence[BulkTask],
        *,
        publish: bool,
    ) -> None:
        """Queue ``enqueue_tasks.lua`` (see :meth:`EnqueueCalls.enqueue_batch`)."""
        self.enqueue.enqueue_batch(pipe, queue, tasks, publish=publish)

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
        """Run ``claim_tasks.lua`` on one queue; return the ids, oldest first."""
        visited = self.claim_queues(
            [(queue, limit)],
            limit=limit,
            now=now,
            owner=owner,
            busy_retry_at=busy_retry_at,
        )
        return visited[0] if visited else []

    def claim_queues(  # noqa: PLR0913 - mirrors the script's ARGV
        self,
        queues: Sequence[tuple[str, int]],
        *,
        limit: int,
        now: float,
        owner: str,
        busy_retry_at: float,
        run_first: int | None = None,
        request_id: str | None = None,
    ) -> list[list[str]]:
        """Run ``claim_tasks.lua`` over (queue, limit) pairs, visited in order.

        ``run_first`` of the claimed ids are marked as handed to run (None: all);
        a repeated ``request_id`` returns the first answer (see the script).

        Returns:
            The claimed ids of each visited queue, oldest first; the queues after
            the last list were not visited (``limit`` ids had been claimed).
        """
        if limit <= 0 or not queues:
            return []
        k = self._keys
        keys = [
            k.state_set(TaskState.QUEUED),
            k.state_set(TaskState.ACTIVE),
            k.state_set(TaskState.SCHEDULED),
            k.claim_reply(owner),
        ]
        args: list[Any] = [
            limit,
            repr(now),
            owner,
            repr(busy_retry_at),
            limit if run_first is None else max(run_first, 0),
            request_id or "",
            CLAIM_REPLY_TTL_MS,
        ]
        for queue, size in queues:
            keys += [
                k.state_zset(TaskState.QUEUED, queue),
                k.state_zset(TaskState.ACTIVE, queue),
                k.state_zset(TaskState.SCHEDULED, queue),
                k.owners(queue),
            ]
            args += [queue, size]
        visited = self._run("claim_tasks", keys, args)
        return [[str(task_id) for task_id in ids] for ids in visited]

    def heartbeat_tasks(
        self,
        queue: str,
        task_ids: Sequence[str],
        *,
        now: float,
        owner: str,
        start: bool = False,
    ) -> list[str]:
        """Run ``heartbeat_tasks.lua``; return the ids ``owner`` no longer holds."""
        if not task_ids:
            return []
        keys = [
            self._keys.state_zset(TaskState.ACTIVE, queue),
            self._keys.owners(queue),
        ]
        args = [repr(now), owner, _flag(start), *task_ids]
        return [str(task_id) for task_id in self._run("heartbeat_tasks", keys, args)]

    def _next_keys(
        self, queue: str, owner: str, then_start: tuple[str, str] | None
    ) -> list[str]:
        """KEYS 13-15 of complete/fail_task: the next task's keys, the claim memo."""
        next_queue = queue if then_start is None else then_start[0]
        return [
            self._keys.state_zset(TaskState.ACTIVE, next_queue),
            self._keys.owners(next_queue),
            self._keys.claim_reply(owner),
        ]

    def complete_task(
        self,
        queue: str,
        task_id: str,
        *,
        owner: str,
        unique: bool | None = None,
        then_start: tuple[str, str] | None = None,
        claim_done: bool = False,
    ) -> None:
        """Run ``complete_task.lua`` (raises ResponseError ``LEASE_LOST``)."""
        keys = [
            *self._task_keys(queue, task_id),
            *self._next_keys(queue, owner, then_start),
        ]
        flag = "" if unique is None else _flag(unique)
        args = [
            task_id,
            queue,
            owner,
            flag,
            then_start[1] if then_start else "",
            _flag(claim_done),
        ]
        self._run("complete_task", keys, args)

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
        then_start: tuple[str, str] | None = None,
        claim_done: bool = False,
    ) -> None:
        """Run ``fail_task.lua`` (raises ResponseError ``LEASE_LOST``)."""
        keys = [
            *self._task_keys(queue, task_id),
            *self._next_keys(queue, owner, then_start),
        ]
        args = [
            task_id,
            queue,
            owner,
            record,
            keep,
            _state_arg(to_state),
            repr(score),
            then_start[1] if then_start else "",
            _flag(claim_done),
        ]
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

    def sweep_leases(self, queue: str, *, cursor: str, count: int) -> tuple[str, int]:
        """Run ``sweep_leases.lua``: (next HSCAN cursor, lease records dropped)."""
        keys = [
            self._keys.owners(queue),
            self._keys.state_zset(TaskState.ACTIVE, queue),
        ]
        following, dropped = self._run("sweep_leases", keys, [cursor, count])
        return str(following), int(dropped)
