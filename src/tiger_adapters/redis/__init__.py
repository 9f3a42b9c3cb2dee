"""The Redis adapter: TaskTiger's key layout, one Lua script per atomic write."""

from tiger_adapters.redis.clock import RedisClock
from tiger_adapters.redis.keys import KeySchema
from tiger_adapters.redis.locks import RedisLockStore
from tiger_adapters.redis.signal import RedisWorkSignal
from tiger_adapters.redis.store import RedisTaskStore

__all__ = [
    "KeySchema",
    "RedisClock",
    "RedisLockStore",
    "RedisTaskStore",
    "RedisWorkSignal",
]
