"""RedisLockStore: task locks and queue slots in TaskTiger's Redis layout.

Task locks are redis-py ``Lock`` keys (``P:lockv2:<id>`` holding the owner's
token, with a PX TTL), so a TaskTiger worker and a Tiger worker respect each
other's locks. Queue slots are TaskTiger's semaphore zset ``P:qslock:<queue>``.
Writes are Lua scripts (``clear_system_lock`` too: it reads the expiry it
removes); ``release_slot`` and ``get_system_lock`` are single commands.
"""

from __future__ import annotations

from collections.abc import Sequence

import redis

from tiger_adapters.redis.keys import KeySchema
from tiger_adapters.redis.lock_scripts import LockScripts
from tiger_core.errors import ConfigError

#: The member of ``P:qslock:<queue>`` that pauses the queue (TaskTiger's name).
SYSTEM_LOCK = "SYSTEM_LOCK"


class RedisLockStore:
    """A :class:`tiger_core.ports.LockStore` keeping locks in Redis.

    Args:
        client: a redis-py client built with ``decode_responses=True``.
        prefix: the key prefix (TaskTiger's ``REDIS_PREFIX``).

    Raises:
        ConfigError: the client does not decode responses.
    """

    def __init__(self, client: redis.Redis, *, prefix: str = "t") -> None:
        decode = client.connection_pool.connection_kwargs.get("decode_responses")
        if not decode:
            raise ConfigError(
                "RedisLockStore needs a Redis client built with "
                f"decode_responses=True (got decode_responses={decode!r})"
            )
        self._client = client
        self._keys = KeySchema(prefix)
        self._scripts = LockScripts(client, self._keys)

    def acquire_locks(
        self, lock_ids: Sequence[str], *, token: str, ttl: float, now: float
    ) -> list[str]:
        """Take each free lock (SET NX PX); return the ids ``token`` holds."""
        return self._scripts.acquire_locks(_distinct(lock_ids), token=token, ttl=ttl)

    def renew_locks(
        self, lock_ids: Sequence[str], *, token: str, ttl: float, now: float
    ) -> list[str]:
        """Reset the TTL of ``token``'s locks; return the ids it lost."""
        wanted = _distinct(lock_ids)
        held = set(self._scripts.renew_locks(wanted, token=token, ttl=ttl))
        return [lock_id for lock_id in wanted if lock_id not in held]

    def release_locks(self, lock_ids: Sequence[str], *, token: str) -> list[str]:
        """Delete ``token``'s locks; return the ids it did not hold."""
        wanted = _distinct(lock_ids)
        released = set(self._scripts.release_locks(wanted, token=token))
        return [lock_id for lock_id in wanted if lock_id not in released]

    def acquire_slot(
        self, queue: str, *, owner: str, limit: int, ttl: float, now: float
    ) -> bool:
        """Take or renew ``owner``'s slot of ``queue`` (TaskTiger's semaphore)."""
        if limit < 1:
            raise ValueError(f"a queue's worker limit must be >= 1, got {limit}")
        result = self._scripts.acquire_slot(
            queue, owner=owner, limit=limit, ttl=ttl, now=now
        )
        return result == 1

    def release_slot(self, queue: str, *, owner: str) -> None:
        """Give back ``owner``'s slot of ``queue`` (one ZREM)."""
        self._client.zrem(self._keys.queue_lock(queue), owner)

    def set_system_lock(self, queue: str, *, timeout: float, now: float) -> None:
        """Pause ``queue`` for limited workers until ``now + timeout``."""
        if timeout <= 0:
            raise ValueError(f"a system lock timeout must be > 0, got {timeout}")
        self._scripts.set_system_lock(queue, timeout=timeout, now=now)

    def get_system_lock(self, queue: str) -> float | None:
        """Return when the system lock of ``queue`` expires, or None (one ZSCORE)."""
        score = self._client.zscore(self._keys.queue_lock(queue), SYSTEM_LOCK)
        return None if score is None else float(score)

    def clear_system_lock(self, queue: str) -> float | None:
        """Remove the system lock of ``queue``; return its expiry, or None."""
        return self._scripts.clear_system_lock(queue)


def _distinct(lock_ids: Sequence[str]) -> list[str]:
    """Return ``lock_ids`` without repeats, in first-seen order."""
    return list(dict.fromkeys(lock_ids))
