"""The Redis store on a real redis-server against the TaskStore contract."""

from __future__ import annotations

import pytest
import redis

from tests.contract.task_store import TaskStoreContract
from tiger_adapters.redis import RedisTaskStore


class TestRedisTaskStore(TaskStoreContract):
    """RedisTaskStore on redis-server passes the shared contract."""

    @pytest.fixture
    def store(self, redis_client: redis.Redis) -> RedisTaskStore:
        """A store on the flushed per-test database."""
        return RedisTaskStore(redis_client)
