"""The Redis Lua scripts on a real redis-server, asserted key by key."""

from __future__ import annotations

import pytest
import redis

from tests.unit.adapters.redis_script_cases import T0, RedisScriptCases


class TestRedisScripts(RedisScriptCases):
    """The script cases on redis-server."""

    @pytest.fixture
    def client(self, redis_client: redis.Redis) -> redis.Redis:
        """The flushed per-test client."""
        return redis_client

    def test_scripts_reload_after_script_flush(self, client, scripts) -> None:
        """After SCRIPT FLUSH, EVALSHA's NOSCRIPT is handled by reloading."""
        self.enqueue(scripts, "a")
        client.script_flush()

        self.enqueue(scripts, "b", score=T0 + 1)
        claimed = scripts.claim_tasks(
            "q", limit=5, now=T0, owner="w1", busy_retry_at=T0
        )

        assert claimed == ["a", "b"]
        assert client.zcard("t:active:q") == 2
