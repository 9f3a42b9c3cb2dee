"""MemoryLockStore: the LockStore port in process memory, under one lock."""

from __future__ import annotations

import threading
from collections.abc import Sequence

#: The slot member that pauses a queue (TaskTiger's name).
SYSTEM_LOCK = "SYSTEM_LOCK"


class MemoryLockStore:
    """A LockStore kept in process memory; TTLs are measured with the given ``now``.

    Every method runs under one lock, which makes it atomic. Like the memory task
    store it is not shared between processes, so it serves one worker process (and
    its fork children, which never touch it) or the tests.
    """

    def __init__(self) -> None:
        """Create an empty store."""
        self._lock = threading.Lock()
        self._locks: dict[str, tuple[str, float]] = {}
        self._slots: dict[str, dict[str, float]] = {}

    def _holds(self, lock_id: str, token: str, now: float) -> bool:
        held = self._locks.get(lock_id)
        return held is not None and held[0] == token and held[1] > now

    def acquire_locks(
        self, lock_ids: Sequence[str], *, token: str, ttl: float, now: float
    ) -> list[str]:
        """See :meth:`tiger_core.ports.LockStore.acquire_locks`."""
        acquired: list[str] = []
        with self._lock:
            for lock_id in dict.fromkeys(lock_ids):
                held = self._locks.get(lock_id)
                if held is None or held[1] <= now or held[0] == token:
                    self._locks[lock_id] = (token, now + ttl)
                    acquired.append(lock_id)
        return acquired

    def renew_locks(
        self, lock_ids: Sequence[str], *, token: str, ttl: float, now: float
    ) -> list[str]:
        """See :meth:`tiger_core.ports.LockStore.renew_locks`."""
        lost: list[str] = []
        with self._lock:
            for lock_id in dict.fromkeys(lock_ids):
                if self._holds(lock_id, token, now):
                    self._locks[lock_id] = (token, now + ttl)
                else:
                    lost.append(lock_id)
        return lost

    def release_locks(self, lock_ids: Sequence[str], *, token: str) -> list[str]:
        """See :meth:`tiger_core.ports.LockStore.release_locks`."""
        not_held: list[str] = []
        with self._lock:
            for lock_id in dict.fromkeys(lock_ids):
                held = self._locks.get(lock_id)
                if held is not None and held[0] == token:
                    del self._locks[lock_id]
                else:
                    not_held.append(lock_id)
        return not_held

    def acquire_slot(
        self, queue: str, *, owner: str, limit: int, ttl: float, now: float
    ) -> bool:
        """See :meth:`tiger_core.ports.LockStore.acquire_slot`."""
        if limit < 1:
            raise ValueError(f"a queue's worker limit must be >= 1, got {limit}")
        with self._lock:
            slots = self._slots.setdefault(queue, {})
            for member in [m for m, expiry in slots.items() if expiry <= now]:
                del slots[member]
            if SYSTEM_LOCK in slots:
                return False
            if owner not in slots and len(slots) + 1 > limit:
                return False
            slots[owner] = now + ttl
            return True

    def release_slot(self, queue: str, *, owner: str) -> None:
        """See :meth:`tiger_core.ports.LockStore.release_slot`."""
        with self._lock:
            self._slots.get(queue, {}).pop(owner, None)

    def set_system_lock(self, queue: str, *, timeout: float, now: float) -> None:
        """See :meth:`tiger_core.ports.LockStore.set_system_lock`."""
        if timeout <= 0:
            raise ValueError(f"a system lock timeout must be > 0, got {timeout}")
        with self._lock:
            self._slots.setdefault(queue, {})[SYSTEM_LOCK] = now + timeout

    def get_system_lock(self, queue: str) -> float | None:
        """See :meth:`tiger_core.ports.LockStore.get_system_lock`."""
        with self._lock:
            return self._slots.get(queue, {}).get(SYSTEM_LOCK)

    def clear_system_lock(self, queue: str) -> float | None:
        """See :meth:`tiger_core.ports.LockStore.clear_system_lock`."""
        with self._lock:
            return self._slots.get(queue, {}).pop(SYSTEM_LOCK, None)
