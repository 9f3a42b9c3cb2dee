"""RedisTaskStore: the TaskStore port over redis-py, in TaskTiger's key layout.

Every write is one Lua script (see ``lua/``); reads are plain commands, batched
into as few round trips as possible. Keys come from :class:`KeySchema` only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import redis
from redis.exceptions import OutOfMemoryError, ResponseError

from tiger_adapters import codec
from tiger_adapters.redis.claims import RedisClaimOps
from tiger_adapters.redis.enqueue_calls import BulkTask
from tiger_adapters.redis.keys import KeySchema
from tiger_adapters.redis.reads import build_tasks, queue_reads
from tiger_adapters.redis.runtime import RedisRuntimeOps
from tiger_adapters.redis.scripts import Scripts
from tiger_core.errors import ConfigError, LeaseLost, StorageFull, TaskNotFound
from tiger_core.model.batch import NewTask
from tiger_core.model.execution import ExecutionRecord
from tiger_core.model.state import TaskState
from tiger_core.model.task import StoredTask, TaskData

_ENQUEUE_STATES = frozenset({TaskState.QUEUED, TaskState.SCHEDULED})
#: Compare-and-set attempts of ``update_scheduled_time`` under concurrent writes.
_CAS_ATTEMPTS = 20


def _not_found(task_id: str, queue: str, state: TaskState) -> TaskNotFound:
    return TaskNotFound(
        f'Task {task_id} not found in queue "{queue}" in state "{state}".'
    )


def _require_decoded(client: redis.Redis) -> None:
    """Raise ConfigError unless ``client`` returns str rather than bytes."""
    decode = client.connection_pool.connection_kwargs.get("decode_responses")
    if not decode:
        raise ConfigError(
            "RedisTaskStore needs a Redis client built with decode_responses=True "
            f"(got decode_responses={decode!r})"
        )


def _map_replies(
    written: list[bool], indexes: Iterable[list[int]], replies: list[Any]
) -> OutOfMemoryError | None:
    """Mark ``written`` from per-queue script replies; return an OOM refusal, if any.

    Raises:
        redis.RedisError: a queue's script failed for another reason.
    """
    refused: OutOfMemoryError | None = None
    for positions, results in zip(indexes, replies, strict=True):
        if isinstance(results, OutOfMemoryError):
            refused = results
        elif isinstance(results, Exception):
            raise results
        else:
            for index, result in zip(positions, results, strict=True):
                written[index] = int(result) >= 0
    return refused


def _partly_full(
    tasks: Sequence[NewTask], written: list[bool], exc: OutOfMemoryError
) -> StorageFull:
    """The StorageFull of a bulk enqueue whose scripts Redis refused in part."""
    queued = [new.task.id for new, done in zip(tasks, written, strict=True) if done]
    missed = [new.task.id for new, done in zip(tasks, written, strict=True) if not done]
    return StorageFull(
        f"Redis is out of memory (maxmemory reached): {len(missed)} of the "
        f"{len(tasks)} tasks were not queued: {', '.join(missed)}; queued: "
        f"{', '.join(queued) or 'none, nothing was written'} ({exc})",
        queued=queued,
        not_queued=missed,
    )


@contextmanager
def _lease_errors() -> Iterator[None]:
    """Turn a ``LEASE_LOST`` error reply into :class:`LeaseLost`."""
    try:
        yield
    except ResponseError as exc:
        if "LEASE_LOST" in str(exc):
            raise LeaseLost(str(exc).split("LEASE_LOST", 1)[1].strip()) from exc
        raise


class RedisTaskStore(RedisClaimOps, RedisRuntimeOps):
    """A :class:`tiger_core.ports.TaskStore` keeping tasks in Redis.

    Args:
        client: a redis-py client built with ``decode_responses=True``.
        prefix: the key prefix (TaskTiger's ``REDIS_PREFIX``).
        publish: announce queues with new work on ``P:activity``
            (TaskTiger's ``PUBLISH_QUEUED_TASKS``).

    Raises:
        ConfigError: the client does not decode responses.
    """

    def __init__(
        self, client: redis.Redis, *, prefix: str = "t", publish: bool = True
    ) -> None:
        _require_decoded(client)
        self._client = client
        self._keys = KeySchema(prefix)
        self._scripts = Scripts(client, self._keys)
        self._publish = publish
        self._init_runtime()

    @property
    def client(self) -> redis.Redis:
        """The redis-py client (a lock store can share it)."""
        return self._client

    @property
    def prefix(self) -> str:
        """The key prefix."""
        return self._keys.prefix

    def enqueue(
        self,
        task: TaskData,
        *,
        queue: str,
        state: TaskState,
        score: float,
        max_queue_size: int | None = None,
        max_payload_bytes: int | None = None,
    ) -> None:
        """Write the payload and put the id in ``queued`` or ``scheduled``."""
        if state not in _ENQUEUE_STATES:
            raise ValueError(f"cannot enqueue into state {state!r}")
        publish = self._publish and state is TaskState.QUEUED
        payload = codec.encode_task_within(task, max_payload_bytes)
        try:
            self._scripts.enqueue.enqueue_task(
                queue,
                state,
                task.id,
                payload,
                score=score,
                publish=publish,
                max_queue_size=max_queue_size,
            )
        except OutOfMemoryError as exc:  # Redis' "OOM ..." error reply
            raise StorageFull(
                f"Redis is out of memory (maxmemory reached): task {task.id} of "
                f"{task.func} was not queued in {queue!r}, nothing was written; "
                f"workers keep draining tasks ({exc})"
            ) from exc

    def enqueue_many(
        self, tasks: Sequence[NewTask], *, max_payload_bytes: int | None = None
    ) -> list[bool]:
        """Write many tasks: one ``enqueue_tasks`` script per queue.

        Several queues: their scripts in one MULTI/EXEC; one queue: its script alone.
        """
        by_queue: dict[str, list[int]] = {}
        batches: dict[str, list[BulkTask]] = {}
        for index, new in enumerate(tasks):  # checks refusing the call come first
            if new.state not in _ENQUEUE_STATES:
                raise ValueError(f"cannot enqueue into state {new.state!r}")
            payload = codec.encode_task_within(new.task, max_payload_bytes)
            by_queue.setdefault(new.queue, []).append(index)
            batches.setdefault(new.queue, []).append(
                (new.task.id, payload, new.score, new.state, new.max_queue_size)
            )
        if not batches:
            return []
        if len(batches) == 1:  # one script is atomic on its own: no MULTI/EXEC
            ((queue, batch),) = batches.items()
            replies: list[Any] = [self._enqueue_batch_now(queue, batch)]
        else:
            replies = self._enqueue_batches(batches, tasks)
        written = [False] * len(tasks)
        refused = _map_replies(written, by_queue.values(), replies)
        if refused is not None:
            raise _partly_full(tasks, written, refused)
        return written

    def _enqueue_batch_now(self, queue: str, batch: list[BulkTask]) -> Any:
        """Run one queue's ``enqueue_tasks`` script; its reply or its OOM refusal."""
        try:
            return self._scripts.enqueue.run_batch(queue, batch, publish=self._publish)
        except OutOfMemoryError as exc:
            return exc

    def _enqueue_batches(
        self, batches: dict[str, list[BulkTask]], tasks: Sequence[NewTask]
    ) -> list[Any]:
        """One ``enqueue_tasks`` script per queue in one MULTI/EXEC; the replies."""
        pipe = self._client.pipeline(transaction=True)
        for queue, batch in batches.items():
            self._scripts.enqueue_batch(pipe, queue, batch, publish=self._publish)
        try:  # per-queue replies: one queue's script may fail while others ran
            replies: list[Any] = pipe.execute(raise_on_error=False)
        except OutOfMemoryError as exc:
            raise StorageFull(
                f"Redis is out of memory (maxmemory reached): none of the "
                f"{len(tasks)} tasks was queued ({exc})",
                not_queued=[new.task.id for new in tasks],
            ) from exc
        return replies

    def update_scheduled_time(self, queue: str, task_id: str, *, when: float) -> None:
        """Re-score a scheduled task and patch ``scheduled_at`` (compare and set).

        The new payload is computed in Python from the text read, then written by a
        script only if the text is unchanged; a concurrent write makes it retry.
        """
        for _ in range(_CAS_ATTEMPTS):
            read = self._client.get(self._keys.task(task_id))
            if read is None:
                raise _not_found(task_id, queue, TaskState.SCHEDULED)
            write = codec.patch_payload(str(read), scheduled_at=when)
            done = self._scripts.update_scheduled_time(
                queue, task_id, when=when, read=str(read), write=write
            )
            if done < 0:
                raise _not_found(task_id, queue, TaskState.SCHEDULED)
            if done > 0:
                return
        raise RuntimeError(f"task {task_id}: payload kept changing; not updated")

    def complete(
        self,
        queue: str,
        task_id: str,
        *,
        owner: str,
        unique: bool | None = None,
        then_start: tuple[str, str] | None = None,
        claim_done: bool = False,
    ) -> None:
        """Remove a successfully executed task from ``active``."""
        with _lease_errors():
            self._scripts.complete_task(
                queue,
                task_id,
                owner=owner,
                unique=unique,
                then_start=then_start,
                claim_done=claim_done,
            )

    def fail(  # noqa: PLR0913 - the port's signature
        self,
        queue: str,
        task_id: str,
        *,
        record: ExecutionRecord,
        owner: str,
        to_state: TaskState | None,
        score: float,
        keep_executions: int | None,
        then_start: tuple[str, str] | None = None,
        claim_done: bool = False,
    ) -> None:
        """Append a failed execution and move the task out of ``active``."""
        if to_state is TaskState.ACTIVE:
            raise ValueError("a failed task cannot stay active")
        with _lease_errors():
            self._scripts.fail_task(
                queue,
                task_id,
                owner=owner,
                record=codec.encode_record(record),
                keep=max(keep_executions or 0, 0),
                to_state=to_state,
                score=score,
                then_start=then_start,
                claim_done=claim_done,
            )

    def move(
        self,
        queue: str,
        task_id: str,
        *,
        from_state: TaskState,
        to_state: TaskState | None,
        score: float,
    ) -> None:
        """Move a task between states, or delete it with ``to_state=None``."""
        try:
            self._scripts.move_task(
                queue,
                task_id,
                from_state=from_state,
                to_state=to_state,
                score=score,
                publish=self._publish,
            )
        except ResponseError as exc:
            if "NOT_IN_ZSET" in str(exc):
                raise _not_found(task_id, queue, from_state) from exc
            raise

    def defer(self, queue: str, task_id: str, *, owner: str, score: float) -> None:
        """Put ``owner``'s active task back in ``scheduled`` (lock busy)."""
        with _lease_errors():
            self._scripts.defer_task(queue, task_id, owner=owner, score=score)

    def promote_due(self, queue: str, *, now: float, limit: int) -> int:
        """Move up to ``limit`` due scheduled ids to ``queued``; return how many."""
        return self._scripts.promote_due(
            queue, now=now, limit=limit, publish=self._publish
        )

    def get(
        self, queue: str, state: TaskState, task_id: str, *, executions: int = 0
    ) -> StoredTask:
        """Read one task with its newest ``executions`` records (-1 for all)."""
        pipe = self._client.pipeline(transaction=False)
        pipe.zscore(self._keys.state_zset(state, queue), task_id)
        queue_reads(pipe, self._keys, [task_id], executions)
        score, *results = pipe.execute()
        if score is None or results[0][0] is None:
            raise _not_found(task_id, queue, state)
        return build_tasks(queue, state, [task_id], [float(score)], results)[0]

    def list_tasks(
        self,
        queue: str,
        state: TaskState,
        *,
        skip: int = 0,
        limit: int = 1000,
        executions: int = 0,
    ) -> tuple[int, list[StoredTask]]:
        """Return the size of the state and a page of it, oldest first."""
        key = self._keys.state_zset(state, queue)
        pipe = self._client.pipeline(transaction=False)
        pipe.zcard(key)
        pipe.zrange(key, -(limit + skip), -(1 + skip), withscores=True)
        total, page = pipe.execute()
        if limit <= 0 or not page:
            return int(total), []
        task_ids = [str(task_id) for task_id, _ in page]
        scores = [float(score) for _, score in page]
        return int(total), self._load(queue, state, task_ids, scores, executions)

    def queue_names(self, state: TaskState) -> set[str]:
        """Return the queues that (probably) have tasks in ``state``."""
        return {
            str(name) for name in self._client.smembers(self._keys.state_set(state))
        }

    def count(self, queue: str, state: TaskState) -> int:
        """Return the number of tasks of ``queue`` in ``state``."""
        return int(self._client.zcard(self._keys.state_zset(state, queue)))

    def _load(
        self,
        queue: str,
        state: TaskState,
        task_ids: list[str],
        scores: list[float],
        executions: int = 0,
    ) -> list[StoredTask]:
        """Read payloads, counts and executions of ``task_ids`` in one round trip."""
        pipe = self._client.pipeline(transaction=False)
        queue_reads(pipe, self._keys, task_ids, executions)
        return build_tasks(queue, state, task_ids, scores, pipe.execute())
