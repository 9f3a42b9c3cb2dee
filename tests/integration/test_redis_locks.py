"""The Redis lock store on a real redis-server: the contract and the key layout."""

from __future__ import annotations

import pytest
import redis

from tests.contract.lock_store import LockStoreContract
from tests.unit.adapters.redis_lock_cases import RedisLockCases
from tiger_adapters.redis import RedisLockStore


class TestRedisLockStore(LockStoreContract):
    """RedisLockStore on redis-server passes the shared contract."""

    @pytest.fixture
    def locks(self, redis_client: redis.Redis) -> RedisLockStore:
        """A lock store on the flushed per-test database."""
        return RedisLockStore(redis_client)


class TestRedisLockKeys(RedisLockCases):
    """The key-level lock cases on redis-server (TaskTiger compatibility)."""

    @pytest.fixture
    def client(self, redis_client: redis.Redis) -> redis.Redis:
        """The flushed per-test client."""
        return redis_client

    def test_lock_scripts_reload_after_script_flush(self, client, locks) -> None:
        """After SCRIPT FLUSH the lock scripts are loaded again on demand."""
        client.script_flush()

        held = locks.acquire_locks(["x"], token="tok", ttl=60, now=0)

        assert ["x"] == held
