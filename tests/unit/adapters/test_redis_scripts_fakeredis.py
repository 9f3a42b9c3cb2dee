"""The Redis Lua scripts on fakeredis (Lua via lupa), asserted key by key."""

from __future__ import annotations

import fakeredis
import pytest
import redis

from tests.unit.adapters.redis_script_cases import RedisScriptCases


class TestRedisScriptsOnFakeRedis(RedisScriptCases):
    """The script cases on a fresh fake server per test."""

    @pytest.fixture
    def client(self) -> redis.Redis:
        """A RESP2, decoding fakeredis client on its own server."""
        return fakeredis.FakeRedis(
            server=fakeredis.FakeServer(), decode_responses=True, protocol=2
        )
