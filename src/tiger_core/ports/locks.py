"""The LockStore port: task locks, queue slots and the queue system lock."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class LockStore(Protocol):
    """Task locks and per-queue worker slots, shared with TaskTiger workers.

    A task lock is a key holding its owner's token with a TTL (redis-py's ``Lock``
    layout, so a TaskTiger worker and a Tiger worker respect each other's locks).
    A queue's slots are a set of owners with expiry times (TaskTiger's
    ``semaphore.lua``), plus an optional ``SYSTEM_LOCK`` member that pauses the queue
    for every worker with a per-queue limit. Every method is atomic on its own.
    """

    def acquire_locks(
        self, lock_ids: Sequence[str], *, token: str, ttl: float, now: float
    ) -> list[str]:
        """Take each free lock for ``token`` for ``ttl`` seconds; return those held.

        Each id is taken independently (TaskTiger skips only the tasks whose lock
        is busy); the whole call is one atomic step. An id already held by
        ``token`` is renewed and counts as held. Redis measures the TTL on the
        server clock, as redis-py's ``Lock`` does; ``now`` is the caller's time,
        used by stores without a server clock.
        """
        ...

    def renew_locks(
        self, lock_ids: Sequence[str], *, token: str, ttl: float, now: float
    ) -> list[str]:
        """Reset the TTL of the locks ``token`` holds, atomically; return the lost ids.

        A lost id (expired, or taken by another token) is left untouched.
        """
        ...

    def release_locks(self, lock_ids: Sequence[str], *, token: str) -> list[str]:
        """Delete the locks ``token`` holds, atomically; return the ids not held.

        A lock held by another token is never deleted.
        """
        ...

    def acquire_slot(
        self, queue: str, *, owner: str, limit: int, ttl: float, now: float
    ) -> bool:
        """Take or renew ``owner``'s slot of ``queue`` until ``now + ttl``, atomically.

        Slots whose expiry is not after ``now`` are dropped first. The call fails
        while the queue's system lock is set (unexpired), or when ``limit`` other
        owners hold slots. As in TaskTiger, a call that does not hit the system lock
        also sets the TTL of the whole slot set to ``ceil(2 * ttl)`` seconds.
        """
        ...

    def release_slot(self, queue: str, *, owner: str) -> None:
        """Give back ``owner``'s slot of ``queue`` (nothing happens if it has none)."""
        ...

    def set_system_lock(self, queue: str, *, timeout: float, now: float) -> None:
        """Pause ``queue`` for limited workers until ``now + timeout``, atomically.

        The slot set then expires ``timeout + 10`` seconds later, as in TaskTiger.
        Running tasks are not interrupted; only new slot acquisitions fail.
        """
        ...

    def get_system_lock(self, queue: str) -> float | None:
        """Return when the system lock of ``queue`` expires, or None if it has none.

        The value is returned as stored, even when it lies in the past (it is
        dropped by the next slot acquisition).
        """
        ...

    def clear_system_lock(self, queue: str) -> float | None:
        """Remove the system lock of ``queue`` (resume it), atomically.

        Slots held by workers are kept. Nothing happens when the queue has no
        system lock.

        Returns:
            The expiry of the removed lock, as stored (possibly in the past), or
            None when there was none.
        """
        ...
