"""The worker-runtime operations of the Redis store: recovery, periodic, pacing.

:class:`RedisRuntimeOps` is a mixin of :class:`~tiger_adapters.redis.store.
RedisTaskStore`. Writes are one Lua script each (``reclaim_expired``,
``queue_periodic``, ``release_throttle``); a rate limit is taken with one
``SET NX PX`` (TaskTiger's ``P:lockv2:<name>`` keys).
"""

from __future__ import annotations

import uuid
from typing import Protocol

import redis
from redis.exceptions import OutOfMemoryError, ResponseError

from tiger_adapters import codec
from tiger_adapters.redis.keys import KeySchema
from tiger_adapters.redis.lua_files import LuaScript, register_scripts
from tiger_adapters.redis.reads import build_tasks, queue_reads
from tiger_adapters.redis.scripts import Scripts
from tiger_adapters.redis.signal import RedisWorkSignal
from tiger_core.model.execution import ExecutionRecord
from tiger_core.model.state import Takeover, TaskState
from tiger_core.model.task import StoredTask, TaskData

#: The script files of the runtime operations.
RUNTIME_SCRIPT_NAMES: tuple[str, ...] = (
    "reclaim_expired",
    "queue_periodic",
    "release_throttle",
)
_STATES = (TaskState.ACTIVE, TaskState.QUEUED, TaskState.SCHEDULED, TaskState.ERROR)


def lease_owner(record: str | None) -> str | None:
    """The owner token of a lease record (``lua/lib/lease.lua``), or None."""
    if record is None:
        return None
    token, bar, _ = record.rpartition("|")
    if bar and record[-1] in "rh":
        return token.rpartition("|")[0] or record
    return record


def load_runtime_scripts(client: redis.Redis) -> dict[str, LuaScript]:
    """Read and register the runtime scripts on ``client`` (at construction)."""
    return register_scripts(client, RUNTIME_SCRIPT_NAMES)


class _Internals(Protocol):
    _client: redis.Redis
    _keys: KeySchema
    _publish: bool
    _runtime_scripts: dict[str, LuaScript]
    _throttle_tokens: dict[str, str]
    _sweep_cursors: dict[str, str]
    _scripts: Scripts


class RedisRuntimeOps:
    """Crash recovery, periodic scheduling, rate limits and the activity channel."""

    def _init_runtime(self: _Internals) -> None:
        self._runtime_scripts = load_runtime_scripts(self._client)
        self._throttle_tokens: dict[str, str] = {}
        self._sweep_cursors: dict[str, str] = {}

    def expired(
        self: _Internals, queue: str, *, cutoff: float, limit: int
    ) -> list[StoredTask]:
        """See :meth:`tiger_core.ports.TaskStore.expired`."""
        if limit <= 0:
            return []
        active = self._keys.state_zset(TaskState.ACTIVE, queue)
        page: list[tuple[str, float]] = self._client.zrangebyscore(  # type: ignore[assignment]
            active, "-inf", repr(cutoff), start=0, num=limit, withscores=True
        )
        if not page:
            return []
        ids = [str(task_id) for task_id, _ in page]
        scores = [float(score) for _, score in page]
        pipe = self._client.pipeline(transaction=False)
        pipe.hmget(self._keys.owners(queue), ids)
        queue_reads(pipe, self._keys, ids, 0)
        owners, *replies = pipe.execute()
        tasks = build_tasks(queue, TaskState.ACTIVE, ids, scores, replies)
        return [
            task.model_copy(update={"owner": lease_owner(owner)})
            for task, owner in zip(tasks, owners, strict=True)
        ]

    def reclaim_expired(
        self: _Internals,
        queue: str,
        task_id: str,
        *,
        cutoff: float,
        record: ExecutionRecord | None,
        to_state: TaskState | None,
        score: float,
    ) -> Takeover:
        """See :meth:`tiger_core.ports.TaskStore.reclaim_expired`."""
        k = self._keys
        keys = [
            k.task(task_id),
            k.executions(task_id),
            k.executions_count(task_id),
            *(k.state_zset(state, queue) for state in _STATES),
            *(k.state_set(state) for state in _STATES),
            k.owners(queue),
            k.activity(),
        ]
        args = [
            task_id,
            queue,
            repr(cutoff),
            "" if record is None else codec.encode_record(record),
            "" if to_state is None else to_state.value,
            repr(score),
            "1" if self._publish else "0",
        ]
        return Takeover(
            int(self._runtime_scripts["reclaim_expired"](keys=keys, args=args))
        )

    def sweep_leases(self: _Internals, queue: str, *, limit: int) -> int:
        """See :meth:`tiger_core.ports.TaskStore.sweep_leases` (one HSCAN page)."""
        cursor = self._sweep_cursors.pop(queue, "0")
        following, dropped = self._scripts.sweep_leases(
            queue, cursor=cursor, count=limit
        )
        if following != "0":
            self._sweep_cursors[queue] = following
        return dropped

    def uptime(self: _Internals) -> float | None:
        """See :meth:`tiger_core.ports.TaskStore.uptime` (``INFO server``).

        None when INFO is refused (an ACL user without ``@dangerous``, a managed
        Redis that renames it): the scan then judges heartbeats as TaskTiger does.
        """
        try:
            info = self._client.info("server")
        except ResponseError:  # NOPERM, unknown command
            return None
        value = info.get("uptime_in_seconds")
        return None if value is None else float(value)

    def queue_periodic(
        self: _Internals, task: TaskData, *, queue: str, when: float, owner: str | None
    ) -> bool:
        """See :meth:`tiger_core.ports.TaskStore.queue_periodic`."""
        k = self._keys
        keys = [
            k.task(task.id),
            k.state_zset(TaskState.QUEUED, queue),
            k.state_zset(TaskState.ACTIVE, queue),
            k.state_zset(TaskState.SCHEDULED, queue),
            k.owners(queue),
            k.state_set(TaskState.SCHEDULED),
        ]
        args = [task.id, queue, codec.encode_task(task), repr(when), owner or ""]
        return bool(self._runtime_scripts["queue_periodic"](keys=keys, args=args))

    def throttle(self: _Internals, name: str, *, interval: float, now: float) -> bool:
        """See :meth:`tiger_core.ports.TaskStore.throttle` (``SET NX PX``)."""
        del now  # the server measures the interval
        if interval <= 0:
            return True
        token = uuid.uuid4().hex
        px = max(int(interval * 1000), 1)
        try:
            taken = self._client.set(self._keys.lock(name), token, nx=True, px=px)
        except OutOfMemoryError:
            # Redis is full (noeviction): the rate limit cannot be written, so the
            # work goes ahead unthrottled; promotion and recovery only move ids and
            # are atomic, and they help drain the full Redis.
            return True
        if not taken:
            return False
        self._throttle_tokens[name] = token
        return True

    def release_throttle(self: _Internals, name: str) -> None:
        """See :meth:`tiger_core.ports.TaskStore.release_throttle`."""
        token = self._throttle_tokens.pop(name, None)
        if token is not None:
            self._runtime_scripts["release_throttle"](
                keys=[self._keys.lock(name)], args=[token]
            )

    def work_signal(self: _Internals) -> RedisWorkSignal:
        """See :meth:`tiger_core.ports.TaskStore.work_signal` (``P:activity``)."""
        return RedisWorkSignal(self._client, self._keys.activity())
