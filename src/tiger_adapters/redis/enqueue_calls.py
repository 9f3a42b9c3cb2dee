"""The calls of ``enqueue_task.lua`` and ``enqueue_tasks.lua``: the hot path of delay.

A single ``delay`` is one EVALSHA, so what Python does around it counts. The parts
of the command that depend only on the queue and state (the script's sha, the
queue's keys) are built and encoded once and kept; each call adds the task's own
id, key, payload and score. On a plain pool the command is packed here and sent on
a :class:`~tiger_adapters.redis.lane.CommandLane`; otherwise it goes through
``execute_command``. Either way a ``NOSCRIPT`` reply sends the call again as EVAL
(see :mod:`.lua_files`). Keys come from :class:`KeySchema` only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import methodcaller
from typing import Any

import redis
from redis.client import Pipeline

from tiger_adapters.codec import queue_full
from tiger_adapters.redis.keys import KeySchema
from tiger_adapters.redis.lane import (
    CommandLane,
    evalsha_command,
    lane_for,
    pack,
    run_script,
)
from tiger_adapters.redis.lua_files import LuaScript
from tiger_core.model.state import TaskState

#: A bulk task: id, payload JSON, score, state, max_queue_size (None: no limit).
BulkTask = tuple[str, str, float, TaskState, int | None]

#: The states whose zsets count towards ``max_queue_size``, in KEYS order.
_SIZED_STATES: tuple[TaskState, ...] = (
    TaskState.QUEUED,
    TaskState.SCHEDULED,
    TaskState.ACTIVE,
)
#: Bounds the per-queue caches (queues are few; this only caps odd callers).
_CACHE_SIZE = 4096
#: enqueue_task.lua: 7 KEYS and 6 ARGV.
_SINGLE_KEYS = 7
_SINGLE_PARTS = 13
#: The packed publish flag (ARGV[5] of enqueue_task.lua).
_FLAGS = {True: pack([b"1"]), False: pack([b"0"])}
#: enqueue_task on the lane: the parts before KEYS[2] (see _around_task_key), the task
#: key, the parts after it, then id, payload, score, the flag and max_queue_size.
_SINGLE_COMMAND = (
    b"%s$%d\r\n%s\r\n%s$%d\r\n%s\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n%s$%d\r\n%s\r\n"
)


class EnqueueCalls:
    """Runs the two enqueue scripts of one client.

    Args:
        client: the redis-py client (``decode_responses=True``).
        keys: the key schema of the installation.
        single: the registered ``enqueue_task`` script.
        bulk: the registered ``enqueue_tasks`` script.
    """

    def __init__(
        self, client: redis.Redis, keys: KeySchema, single: LuaScript, bulk: LuaScript
    ) -> None:
        self._client = client
        self._keys = keys
        self._single = single
        self._bulk = bulk
        self._lane = lane_for(client)
        # str -> the bytes redis-py would send for it (the pool's encoding).
        encoder = client.get_encoder()
        self._encode: Callable[[str], bytes] = methodcaller(
            "encode", encoder.encoding, encoder.encoding_errors
        )
        # (queue, state) -> KEYS of enqueue_task but the task key (KEYS[2]).
        self._single_keys: dict[tuple[str, TaskState], tuple[str, ...]] = {}
        # (queue, state) -> the packed parts around the task key.
        self._single_packed: dict[tuple[str, TaskState], tuple[bytes, bytes]] = {}

    @property
    def lane(self) -> CommandLane | None:
        """The lane these calls use (None: the client's own commands)."""
        return self._lane

    def single_call(  # noqa: PLR0913 - mirrors the script's ARGV
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
        head = self._single_keys.get((queue, state)) or self._cache_keys(queue, state)
        keys = [head[0], self._keys.task(task_id), *head[1:]]
        limit = "" if max_queue_size is None else str(max_queue_size)
        args = [queue, task_id, payload, repr(score), "1" if publish else "0", limit]
        return keys, args

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
        limit = "" if max_queue_size is None else str(max_queue_size)
        if self._lane is None:
            keys, args = self.single_call(
                queue,
                state,
                task_id,
                payload,
                score=score,
                publish=publish,
                max_queue_size=max_queue_size,
            )
            result = self._single(keys, args)
        else:
            result = self._lane_single(
                queue,
                state,
                task_id,
                payload,
                score=repr(score),
                publish=publish,
                limit=limit,
            )
        if isinstance(result, list):
            raise queue_full(queue, int(result[1]), int(limit))
        return bool(result)

    def enqueue_batch(
        self,
        pipe: Pipeline,
        queue: str,
        tasks: Sequence[BulkTask],
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
        keys, args = self._bulk_call(queue, tasks, publish=publish)
        self._bulk(keys=keys, args=args, client=pipe)

    def run_batch(
        self, queue: str, tasks: Sequence[BulkTask], *, publish: bool
    ) -> list[int]:
        """Run one ``enqueue_tasks.lua`` call for ``queue`` now (no pipeline).

        One script is atomic on its own, so the tasks of a single queue need no
        MULTI/EXEC. Returns one integer per task, as :meth:`enqueue_batch`.
        """
        keys, args = self._bulk_call(queue, tasks, publish=publish)
        if self._lane is None:
            result = self._bulk(keys, args)
        else:
            parts = [self._encode(part) for part in (*keys, *args)]
            command = evalsha_command(self._bulk, len(keys), parts)
            result = run_script(self._lane, self._bulk, command)
        return [int(value) for value in result]

    def _bulk_call(
        self, queue: str, tasks: Sequence[BulkTask], *, publish: bool
    ) -> tuple[list[str], list[str]]:
        """The KEYS and ARGV of one ``enqueue_tasks.lua`` call."""
        k = self._keys
        task_key = k.task
        keys = [
            k.state_set(TaskState.QUEUED),
            k.state_set(TaskState.SCHEDULED),
            *(k.state_zset(sized, queue) for sized in _SIZED_STATES),
            k.activity(),
            *[task_key(task[0]) for task in tasks],
        ]
        args: list[str] = [queue, "1" if publish else "0"]
        for task_id, payload, score, state, limit in tasks:
            size = "" if limit is None else str(limit)
            args += (task_id, payload, repr(score), state.value, size)
        return keys, args

    def _lane_single(  # noqa: PLR0913 - the script's ARGV, already as text
        self,
        queue: str,
        state: TaskState,
        task_id: str,
        payload: str,
        *,
        score: str,
        publish: bool,
        limit: str,
    ) -> Any:
        """Run ``enqueue_task.lua`` on the lane, packing only the task's parts."""
        encode = self._encode
        task_key = encode(self._keys.task(task_id))
        ident, text, when = encode(task_id), encode(payload), encode(score)
        size, flag = encode(limit), _FLAGS[publish]
        before, after = self._around_task_key(queue, state)
        command = _SINGLE_COMMAND % (
            before,
            len(task_key),
            task_key,
            after,
            len(ident),
            ident,
            len(text),
            text,
            len(when),
            when,
            flag,
            len(size),
            size,
        )
        assert self._lane is not None
        return run_script(self._lane, self._single, command)

    def _cache_keys(self, queue: str, state: TaskState) -> tuple[str, ...]:
        k = self._keys
        head = (
            k.state_set(state),
            k.state_zset(state, queue),
            k.activity(),
            *(k.state_zset(sized, queue) for sized in _SIZED_STATES),
        )
        if len(self._single_keys) >= _CACHE_SIZE:
            self._single_keys.clear()
        self._single_keys[(queue, state)] = head
        return head

    def _around_task_key(self, queue: str, state: TaskState) -> tuple[bytes, bytes]:
        """The packed parts of ``enqueue_task`` before and after KEYS[2].

        Before: the array header, EVALSHA, the sha, numkeys and KEYS[1]; after:
        KEYS[3..7] and ARGV[1] (the queue).
        """
        around = self._single_packed.get((queue, state))
        if around is not None:
            return around
        head = self._single_keys.get((queue, state)) or self._cache_keys(queue, state)
        encode = self._encode
        sha = encode(self._single.sha)
        start = [b"EVALSHA", sha, b"%d" % _SINGLE_KEYS, encode(head[0])]
        before = b"*%d\r\n%s" % (_SINGLE_PARTS + 3, pack(start))
        after = pack([*(encode(key) for key in head[1:]), encode(queue)])
        if len(self._single_packed) >= _CACHE_SIZE:
            self._single_packed.clear()
        self._single_packed[(queue, state)] = (before, after)
        return before, after
