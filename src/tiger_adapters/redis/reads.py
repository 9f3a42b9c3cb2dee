"""Batched reads of the Redis store: queue them on a pipeline, decode the replies.

The store reads a page of tasks in one round trip: one MGET of the payloads and
the executions counts, plus one LRANGE per task when executions are asked for.
A missing or undecodable payload becomes a :class:`StoredTask` with ``data=None``
and ``problem`` set; nothing here raises on bad data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from redis.client import NEVER_DECODE, Pipeline

from tiger_adapters import codec
from tiger_adapters.redis.keys import KeySchema
from tiger_core.model.state import TaskState
from tiger_core.model.task import StoredTask


def queue_reads(
    pipe: Pipeline, keys: KeySchema, task_ids: list[str], executions: int
) -> None:
    """Queue the reads for ``task_ids`` on ``pipe``.

    Args:
        pipe: the pipeline; its replies for these commands go to :func:`build_tasks`.
        keys: the key schema.
        task_ids: the ids to read.
        executions: how many of the newest execution records to read per task
            (0: none, -1: all).
    """
    # Payloads come back as bytes (NEVER_DECODE): a value that is not UTF-8 (garbage,
    # a pickle) must become a problem of its task, not a UnicodeDecodeError of the read.
    names = [keys.task(i) for i in task_ids] + [
        keys.executions_count(i) for i in task_ids
    ]
    pipe.execute_command("MGET", *names, **{NEVER_DECODE: True})  # type: ignore[no-untyped-call]
    if executions:
        start = 0 if executions < 0 else -executions
        for task_id in task_ids:
            pipe.lrange(keys.executions(task_id), start, -1)


def read_claimed(
    mget: Callable[[list[str]], list[Any]],
    keys: KeySchema,
    claims: list[tuple[str, list[str]]],
    now: float,
) -> list[list[StoredTask]]:
    """Read the tasks claimed (at ``now``) from each queue, in one MGET.

    Args:
        mget: runs MGET of the given keys with undecoded (bytes) replies.
        keys: the key schema.
        claims: per queue, its claimed ids.
        now: the claim time, each task's score in ``active``.

    Returns:
        Per queue, its stored tasks in the order of its ids.
    """
    task_ids = [task_id for _, ids in claims for task_id in ids]
    if not task_ids:
        return [[] for _ in claims]
    names = [keys.task(i) for i in task_ids] + [
        keys.executions_count(i) for i in task_ids
    ]
    queues = [queue for queue, ids in claims for _ in ids]
    scores = [now] * len(task_ids)
    replies = [mget(names)]
    tasks = iter(build_tasks(queues, TaskState.ACTIVE, task_ids, scores, replies))
    return [[next(tasks) for _ in ids] for _, ids in claims]


def build_tasks(
    queue: str | Sequence[str],
    state: TaskState,
    task_ids: list[str],
    scores: list[float],
    replies: list[Any],
) -> list[StoredTask]:
    """Decode the replies of the commands queued by :func:`queue_reads`.

    Args:
        queue: the queue the ids were read from, or the queue of each id.
        state: the state the ids were read from.
        task_ids: the ids, in the order given to :func:`queue_reads`.
        scores: the score of each id in its state zset.
        replies: the pipeline replies of those commands, in order.

    Returns:
        One stored task per id, in order.
    """
    values, *records = replies
    n = len(task_ids)
    queues = [queue] * n if isinstance(queue, str) else list(queue)
    tasks = []
    for index, (task_id, score) in enumerate(zip(task_ids, scores, strict=True)):
        data, problem = codec.decode_task(values[index], task_id)
        count = _count(values[n + index])
        tasks.append(
            StoredTask(
                id=task_id,
                queue=queues[index],
                state=state,
                score=score,
                data=data,
                problem=problem,
                executions=codec.decode_records(records[index]) if records else [],
                executions_count=count,
            )
        )
    return tasks


def _count(raw: bytes | None) -> int:
    """An executions counter as stored; a garbled one counts as 0."""
    try:
        return int(raw) if raw else 0
    except ValueError:
        return 0
