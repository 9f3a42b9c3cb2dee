"""LockStoreContract: the behaviour every LockStore adapter must have.

Concrete test classes subclass it and provide a ``locks`` fixture. Slot times
are explicit (``now``); task-lock TTLs are measured by Redis on its own clock, so
the one expiry test of task locks uses the real time and a short, bounded wait.
"""

from __future__ import annotations

import time

import pytest

from tiger_core.ports import LockStore

T0 = 1_800_000_000.0
TTL = 60.0


def _acquire_when_free(locks: LockStore, lock_id: str, token: str) -> list[str]:
    """Try to take ``lock_id`` with the real time until it works (at most 3 s)."""
    deadline = time.monotonic() + 3
    while True:
        held = locks.acquire_locks([lock_id], token=token, ttl=TTL, now=time.time())
        if held or time.monotonic() > deadline:
            return held
        time.sleep(0.01)


class LockStoreContract:
    """Tests that every LockStore adapter must pass."""

    def test_a_lock_is_exclusive_to_its_token(self, locks: LockStore) -> None:
        """A held lock refuses another token and is renewed for its own."""
        first = locks.acquire_locks(["a"], token="w1", ttl=TTL, now=T0)

        other = locks.acquire_locks(["a"], token="w2", ttl=TTL, now=T0)
        same = locks.acquire_locks(["a"], token="w1", ttl=TTL, now=T0)

        assert (["a"], [], ["a"]) == (first, other, same)

    def test_each_lock_is_taken_independently(self, locks: LockStore) -> None:
        """A busy lock does not stop the free ones of the same call."""
        locks.acquire_locks(["b"], token="w1", ttl=TTL, now=T0)

        held = locks.acquire_locks(["a", "b", "c", "a"], token="w2", ttl=TTL, now=T0)

        assert ["a", "c"] == held

    def test_renew_reports_locks_the_token_does_not_hold(
        self, locks: LockStore
    ) -> None:
        """Renewing keeps the token's locks and reports the others as lost."""
        locks.acquire_locks(["a"], token="w1", ttl=TTL, now=T0)
        locks.acquire_locks(["b"], token="w2", ttl=TTL, now=T0)

        lost = locks.renew_locks(["a", "b", "c"], token="w1", ttl=TTL, now=T0 + 1)

        assert ["b", "c"] == lost
        assert [] == locks.acquire_locks(["a"], token="w3", ttl=TTL, now=T0 + 1)

    def test_release_never_deletes_another_tokens_lock(self, locks: LockStore) -> None:
        """Releasing someone else's lock changes nothing."""
        locks.acquire_locks(["a"], token="w1", ttl=TTL, now=T0)

        not_held = locks.release_locks(["a"], token="w2")

        assert ["a"] == not_held
        assert [] == locks.acquire_locks(["a"], token="w3", ttl=TTL, now=T0)

    def test_release_frees_the_lock(self, locks: LockStore) -> None:
        """After its owner releases it, another token can take the lock."""
        locks.acquire_locks(["a"], token="w1", ttl=TTL, now=T0)

        not_held = locks.release_locks(["a"], token="w1")

        assert [] == not_held
        assert ["a"] == locks.acquire_locks(["a"], token="w2", ttl=TTL, now=T0)

    def test_a_lock_expires_after_its_ttl(self, locks: LockStore) -> None:
        """A lock that is not renewed can be taken by another token after its TTL."""
        locks.acquire_locks(["a"], token="w1", ttl=0.05, now=time.time())

        held = _acquire_when_free(locks, "a", "w2")

        assert ["a"] == held
        assert ["a"] == locks.renew_locks(["a"], token="w1", ttl=TTL, now=time.time())

    def test_slots_are_limited(self, locks: LockStore) -> None:
        """At most ``limit`` owners hold a queue's slots; a holder may renew."""
        taken = [
            locks.acquire_slot("q", owner=owner, limit=2, ttl=TTL, now=T0)
            for owner in ("w1", "w2", "w3")
        ]

        renewed = locks.acquire_slot("q", owner="w1", limit=2, ttl=TTL, now=T0 + 1)

        assert ([True, True, False], True) == (taken, renewed)

    def test_slots_are_per_queue(self, locks: LockStore) -> None:
        """A slot of one queue does not count against another queue."""
        locks.acquire_slot("q", owner="w1", limit=1, ttl=TTL, now=T0)

        other = locks.acquire_slot("q.sub", owner="w2", limit=1, ttl=TTL, now=T0)

        assert other is True

    def test_released_slot_is_free_again(self, locks: LockStore) -> None:
        """Releasing a slot lets another owner take it."""
        locks.acquire_slot("q", owner="w1", limit=1, ttl=TTL, now=T0)

        locks.release_slot("q", owner="w1")
        locks.release_slot("q", owner="never-held")

        assert locks.acquire_slot("q", owner="w2", limit=1, ttl=TTL, now=T0)

    def test_expired_slots_are_dropped(self, locks: LockStore) -> None:
        """A slot not renewed within its TTL no longer counts."""
        locks.acquire_slot("q", owner="w1", limit=1, ttl=10, now=T0)

        before = locks.acquire_slot("q", owner="w2", limit=1, ttl=10, now=T0 + 9)
        after = locks.acquire_slot("q", owner="w2", limit=1, ttl=10, now=T0 + 10)

        assert (False, True) == (before, after)

    def test_system_lock_pauses_the_queue_until_it_expires(
        self, locks: LockStore
    ) -> None:
        """No slot is granted, even to a holder, until the system lock expires."""
        locks.acquire_slot("q", owner="w1", limit=5, ttl=TTL, now=T0)
        locks.set_system_lock("q", timeout=5, now=T0)

        paused = [
            locks.acquire_slot("q", owner=owner, limit=5, ttl=TTL, now=T0 + 4)
            for owner in ("w1", "w2")
        ]
        resumed = locks.acquire_slot("q", owner="w2", limit=5, ttl=TTL, now=T0 + 5)

        assert ([False, False], True) == (paused, resumed)

    def test_get_system_lock(self, locks: LockStore) -> None:
        """The system lock's expiry is readable until a later acquisition drops it."""
        locks.set_system_lock("q", timeout=5.5, now=T0)

        stored = (locks.get_system_lock("q"), locks.get_system_lock("other"))
        locks.acquire_slot("q", owner="w1", limit=1, ttl=TTL, now=T0 + 6)

        assert (T0 + 5.5, None) == stored
        assert locks.get_system_lock("q") is None

    def test_bad_limits_are_refused(self, locks: LockStore) -> None:
        """A limit below 1 or a non-positive pause is a clear error."""
        with pytest.raises(ValueError, match="limit must be >= 1"):
            locks.acquire_slot("q", owner="w1", limit=0, ttl=TTL, now=T0)
        with pytest.raises(ValueError, match="timeout must be > 0"):
            locks.set_system_lock("q", timeout=0, now=T0)

    def test_clear_system_lock_resumes_the_queue_and_keeps_slots(
        self, locks: LockStore
    ) -> None:
        """Clearing returns the pause's expiry; slots stay and new ones are granted."""
        locks.acquire_slot("q", owner="w1", limit=2, ttl=TTL, now=T0)
        locks.set_system_lock("q", timeout=30, now=T0)

        removed = locks.clear_system_lock("q")
        granted = locks.acquire_slot("q", owner="w2", limit=2, ttl=TTL, now=T0 + 1)
        full = locks.acquire_slot("q", owner="w3", limit=2, ttl=TTL, now=T0 + 1)

        assert (T0 + 30, True, False) == (removed, granted, full)
        assert locks.get_system_lock("q") is None

    def test_clear_system_lock_without_a_lock(self, locks: LockStore) -> None:
        """Clearing a queue that is not paused (or unknown) changes nothing."""
        locks.acquire_slot("q", owner="w1", limit=1, ttl=TTL, now=T0)

        removed = (locks.clear_system_lock("q"), locks.clear_system_lock("unknown"))
        still_held = locks.acquire_slot("q", owner="w2", limit=1, ttl=TTL, now=T0 + 1)

        assert ((None, None), False) == (removed, still_held)
