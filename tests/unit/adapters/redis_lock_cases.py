"""Key-level cases of the Redis lock store: TaskTiger's exact lock layout.

Mixed into a fakeredis class (unit tier) and a redis-server class (integration
tier); each provides a decoding RESP2 ``client`` fixture on an empty database.
"""

from __future__ import annotations

import pytest
import redis
from redis.lock import Lock

from tiger_adapters.redis import RedisLockStore

T0 = 1_800_000_000.0


def tasktiger_lock(client: redis.Redis, lock_id: str) -> Lock:
    """Build the lock a TaskTiger worker takes for a task (compat section 5.5)."""
    return Lock(client, f"t:lockv2:{lock_id}", timeout=60, thread_local=False)


class RedisLockCases:
    """Key-level tests of RedisLockStore; subclasses provide ``client``."""

    @pytest.fixture
    def locks(self, client: redis.Redis) -> RedisLockStore:
        """A lock store with the default prefix on the test client."""
        return RedisLockStore(client)

    def test_a_lock_is_a_token_string_with_a_px_ttl(self, client, locks) -> None:
        """``P:lockv2:<id>`` holds the token and expires after the TTL."""
        locks.acquire_locks(["abc"], token="tok", ttl=1.5, now=T0)

        assert "tok" == client.get("t:lockv2:abc")
        assert 0 < client.pttl("t:lockv2:abc") <= 1500

    def test_a_tasktiger_lock_blocks_tiger(self, client, locks) -> None:
        """A lock held by a redis-py Lock (TaskTiger) is busy for Tiger."""
        held_by_tasktiger = tasktiger_lock(client, "x")
        assert held_by_tasktiger.acquire(blocking=False)

        acquired = locks.acquire_locks(["x"], token="tiger", ttl=60, now=T0)
        not_held = locks.release_locks(["x"], token="tiger")

        assert ([], ["x"]) == (acquired, not_held)
        assert held_by_tasktiger.owned()
        held_by_tasktiger.release()
        assert ["x"] == locks.acquire_locks(["x"], token="tiger", ttl=60, now=T0)

    def test_a_tiger_lock_blocks_tasktiger(self, client, locks) -> None:
        """A lock held by Tiger is busy for a redis-py Lock until Tiger releases it."""
        locks.acquire_locks(["x"], token="tiger", ttl=60, now=T0)
        tasktiger = tasktiger_lock(client, "x")

        busy = tasktiger.acquire(blocking=False)
        locks.release_locks(["x"], token="tiger")
        free = tasktiger.acquire(blocking=False)

        assert (False, True) == (busy, free)

    def test_renew_resets_the_ttl_of_the_token_only(self, client, locks) -> None:
        """Renewing PEXPIREs the token's own lock and leaves another's alone."""
        locks.acquire_locks(["mine"], token="tok", ttl=1, now=T0)
        tasktiger_lock(client, "theirs").acquire(blocking=False)

        lost = locks.renew_locks(["mine", "theirs"], token="tok", ttl=30, now=T0)

        assert ["theirs"] == lost
        assert 1000 < client.pttl("t:lockv2:mine") <= 30000
        assert 30000 < client.pttl("t:lockv2:theirs") <= 60000

    def test_a_slot_is_a_semaphore_member_with_its_expiry(self, client, locks) -> None:
        """``P:qslock:<queue>`` scores the owner at now+ttl; the key lives 2*ttl."""
        locks.acquire_slot("q", owner="w1", limit=1, ttl=60, now=T0)

        assert T0 + 60 == client.zscore("t:qslock:q", "w1")
        assert 110 < client.ttl("t:qslock:q") <= 120

    def test_tasktiger_slots_count_against_the_limit(self, client, locks) -> None:
        """A slot a TaskTiger worker holds is one of the queue's slots."""
        client.zadd("t:qslock:q", {"tasktiger-worker": T0 + 60})

        refused = locks.acquire_slot("q", owner="w1", limit=1, ttl=60, now=T0)
        granted = locks.acquire_slot("q", owner="w1", limit=2, ttl=60, now=T0)

        assert (False, True) == (refused, granted)

    def test_system_lock_layout(self, client, locks) -> None:
        """The system lock is member SYSTEM_LOCK at now+timeout; the key lives +10 s."""
        locks.set_system_lock("q", timeout=30, now=T0)

        assert T0 + 30 == client.zscore("t:qslock:q", "SYSTEM_LOCK")
        assert 35 < client.ttl("t:qslock:q") <= 40

    def test_a_tasktiger_system_lock_pauses_tiger(self, client, locks) -> None:
        """A system lock written the way TaskTiger writes it pauses Tiger's slots."""
        pipe = client.pipeline()
        pipe.zadd("t:qslock:q", {"SYSTEM_LOCK": T0 + 30})
        pipe.expire("t:qslock:q", 40)
        pipe.execute()

        paused = locks.acquire_slot("q", owner="w1", limit=3, ttl=60, now=T0)

        assert (False, T0 + 30) == (paused, locks.get_system_lock("q"))

    def test_the_prefix_applies_to_lock_keys(self, client) -> None:
        """Lock and slot keys carry the configured prefix."""
        locks = RedisLockStore(client, prefix="app")

        locks.acquire_locks(["x"], token="tok", ttl=60, now=T0)
        locks.acquire_slot("q", owner="w1", limit=1, ttl=60, now=T0)

        assert ["app:lockv2:x", "app:qslock:q"] == sorted(client.keys("*"))
