"""The Redis store over fakeredis (with Lua) against the TaskStore contract."""

from __future__ import annotations

import fakeredis
import pytest

from tests.contract.task_store import TaskStoreContract
from tiger_adapters.redis import RedisTaskStore
from tiger_core.errors import ConfigError


class TestFakeRedisTaskStore(TaskStoreContract):
    """RedisTaskStore on fakeredis passes the shared contract."""

    @pytest.fixture
    def store(self) -> RedisTaskStore:
        """A store on a fresh fake server (RESP2, decoded responses)."""
        client = fakeredis.FakeRedis(
            server=fakeredis.FakeServer(), decode_responses=True, protocol=2
        )
        return RedisTaskStore(client)


def test_store_refuses_a_client_returning_bytes() -> None:
    """A client without decode_responses is a configuration error."""
    client = fakeredis.FakeRedis(server=fakeredis.FakeServer(), protocol=2)

    with pytest.raises(ConfigError, match="decode_responses=True"):
        RedisTaskStore(client)
