"""The Lua scripts of the Redis lock store, loaded once per client, typed.

Like :mod:`tiger_adapters.redis.scripts`: one file under ``lua/`` per atomic
operation, read when :class:`LockScripts` is constructed, and one wrapper per
script with the file's name. Keys come from :class:`KeySchema` only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import redis

from tiger_adapters.redis.keys import KeySchema
from tiger_adapters.redis.lua_files import LuaScript, register_scripts

#: The script files of the lock store, one per atomic operation.
LOCK_SCRIPT_NAMES: tuple[str, ...] = (
    "acquire_locks",
    "renew_locks",
    "release_locks",
    "acquire_slot",
    "set_system_lock",
    "clear_system_lock",
)


def milliseconds(ttl: float) -> int:
    """Return ``ttl`` seconds as a positive PX value, as redis-py's Lock does."""
    return max(int(ttl * 1000), 1)


class LockScripts:
    """The registered lock scripts of one Redis client.

    Args:
        client: the redis-py client the scripts run on.
        keys: the key schema (prefix) of the installation.
    """

    def __init__(self, client: redis.Redis, keys: KeySchema) -> None:
        self._keys = keys
        self._scripts: dict[str, LuaScript] = register_scripts(
            client, LOCK_SCRIPT_NAMES
        )

    def _flags(self, name: str, lock_ids: Sequence[str], args: list[Any]) -> list[str]:
        """Run a per-lock script and return the ids it answered 1 for."""
        if not lock_ids:
            return []
        keys = [self._keys.lock(lock_id) for lock_id in lock_ids]
        flags = self._scripts[name](keys=keys, args=args)
        return [
            lock_id
            for lock_id, flag in zip(lock_ids, flags, strict=True)
            if int(flag) == 1
        ]

    def acquire_locks(
        self, lock_ids: Sequence[str], *, token: str, ttl: float
    ) -> list[str]:
        """Run ``acquire_locks.lua``; return the ids ``token`` now holds."""
        return self._flags("acquire_locks", lock_ids, [token, milliseconds(ttl)])

    def renew_locks(
        self, lock_ids: Sequence[str], *, token: str, ttl: float
    ) -> list[str]:
        """Run ``renew_locks.lua``; return the ids that were renewed."""
        return self._flags("renew_locks", lock_ids, [token, milliseconds(ttl)])

    def release_locks(self, lock_ids: Sequence[str], *, token: str) -> list[str]:
        """Run ``release_locks.lua``; return the ids that were deleted."""
        return self._flags("release_locks", lock_ids, [token])

    def acquire_slot(
        self, queue: str, *, owner: str, limit: int, ttl: float, now: float
    ) -> int:
        """Run ``acquire_slot.lua``; return 1 (held), 0 (full) or -1 (paused)."""
        keys = [self._keys.queue_lock(queue)]
        args: list[str | int] = [
            owner,
            limit,
            repr(now),
            repr(now + ttl),
            math.ceil(2 * ttl),
        ]
        return int(self._scripts["acquire_slot"](keys=keys, args=args))

    def set_system_lock(self, queue: str, *, timeout: float, now: float) -> None:
        """Run ``set_system_lock.lua``."""
        keys = [self._keys.queue_lock(queue)]
        args: list[str | int] = [repr(now + timeout), math.ceil(timeout + 10)]
        self._scripts["set_system_lock"](keys=keys, args=args)

    def clear_system_lock(self, queue: str) -> float | None:
        """Run ``clear_system_lock.lua``; return the removed expiry, or None."""
        keys = [self._keys.queue_lock(queue)]
        score = self._scripts["clear_system_lock"](keys=keys, args=[])
        return None if score is None else float(score)
