"""The Redis lock store over fakeredis (with Lua) against the LockStore contract."""

from __future__ import annotations

import fakeredis
import pytest
import redis

from tests.contract.lock_store import LockStoreContract
from tests.unit.adapters.redis_lock_cases import RedisLockCases
from tiger_adapters.redis import RedisLockStore
from tiger_core.errors import ConfigError


class TestFakeRedisLockStore(LockStoreContract):
    """RedisLockStore on fakeredis passes the shared contract."""

    @pytest.fixture
    def locks(self) -> RedisLockStore:
        """A store on a fresh fake server (RESP2, decoded responses)."""
        client = fakeredis.FakeRedis(
            server=fakeredis.FakeServer(), decode_responses=True, protocol=2
        )
        return RedisLockStore(client)


def test_lock_store_refuses_a_client_returning_bytes() -> None:
    """A client without decode_responses is a configuration error."""
    client = fakeredis.FakeRedis(server=fakeredis.FakeServer(), protocol=2)

    with pytest.raises(ConfigError, match="decode_responses=True"):
        RedisLockStore(client)


class TestFakeRedisLockKeys(RedisLockCases):
    """The key-level lock cases on fakeredis."""

    @pytest.fixture
    def client(self) -> redis.Redis:
        """A decoding RESP2 fakeredis client on its own server."""
        return fakeredis.FakeRedis(
            server=fakeredis.FakeServer(), decode_responses=True, protocol=2
        )
