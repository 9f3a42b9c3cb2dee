"""The Redis adapter: TaskTiger's key layout, one Lua script per atomic write."""

from tiger_adapters.redis.keys import KeySchema
from tiger_adapters.redis.store import RedisTaskStore

__all__ = ["KeySchema", "RedisTaskStore"]
