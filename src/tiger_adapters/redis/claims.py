"""The claim side of the Redis store: claims over one or several queues, heartbeats.

:class:`RedisClaimOps` is a mixin of :class:`~tiger_adapters.redis.store.
RedisTaskStore`. A claim is one ``claim_tasks.lua`` call over the KEYS of every
queue it may visit, then one MGET of the claimed payloads and counts; a
heartbeat is one ``heartbeat_tasks.lua`` call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import redis

from tiger_adapters.redis.keys import KeySchema
from tiger_adapters.redis.reads import read_claimed
from tiger_adapters.redis.scripts import Scripts
from tiger_core.model.task import StoredTask


class _Internals(Protocol):
    _client: redis.Redis
    _keys: KeySchema
    _scripts: Scripts

    def claim_queues(  # noqa: PLR0913 - the port's signature
        self,
        queues: Sequence[tuple[str, int]],
        *,
        limit: int,
        now: float,
        owner: str,
        busy_retry_at: float,
        run_first: int | None = None,
        request_id: str | None = None,
    ) -> list[list[StoredTask]]: ...


class RedisClaimOps:
    """``claim``, ``claim_queues`` and ``heartbeat`` of the Redis store."""

    def claim(  # noqa: PLR0913 - the port's signature
        self: _Internals,
        queue: str,
        *,
        limit: int,
        now: float,
        owner: str,
        busy_retry_at: float,
        run_first: int | None = None,
        request_id: str | None = None,
    ) -> list[StoredTask]:
        """See :meth:`tiger_core.ports.TaskStore.claim`."""
        visited = self.claim_queues(
            [(queue, limit)],
            limit=limit,
            now=now,
            owner=owner,
            busy_retry_at=busy_retry_at,
            run_first=run_first,
            request_id=request_id,
        )
        return visited[0] if visited else []

    def claim_queues(  # noqa: PLR0913 - the port's signature
        self: _Internals,
        queues: Sequence[tuple[str, int]],
        *,
        limit: int,
        now: float,
        owner: str,
        busy_retry_at: float,
        run_first: int | None = None,
        request_id: str | None = None,
    ) -> list[list[StoredTask]]:
        """See :meth:`tiger_core.ports.TaskStore.claim_queues`."""
        visited = self._scripts.claim_queues(
            queues,
            limit=limit,
            now=now,
            owner=owner,
            busy_retry_at=busy_retry_at,
            run_first=run_first,
            request_id=request_id,
        )
        pairs = zip(queues, visited, strict=False)  # unvisited queues are left out
        claims = [(queue, ids) for (queue, _), ids in pairs]
        return read_claimed(self._scripts.mget_raw, self._keys, claims, now)

    def heartbeat(
        self: _Internals,
        queue: str,
        task_ids: Sequence[str],
        *,
        now: float,
        owner: str,
        start: bool = False,
    ) -> list[str]:
        """See :meth:`tiger_core.ports.TaskStore.heartbeat`."""
        return self._scripts.heartbeat_tasks(
            queue, task_ids, now=now, owner=owner, start=start
        )
