"""The facade's locks: defaults, the queue system lock and max_workers_per_queue."""

from __future__ import annotations

import fakeredis
import pytest

from tests.sample_tasks import add
from tests.unit.compat.support import START, FakeClock
from tiger_adapters.compat import TaskTiger, Worker
from tiger_adapters.memory import MemoryLockStore, MemoryTaskStore
from tiger_adapters.redis import RedisLockStore, RedisTaskStore
from tiger_core.errors import ConfigError


def test_a_memory_store_gets_memory_locks(tiger: TaskTiger) -> None:
    """TaskTiger(store=MemoryTaskStore()) needs no lock argument."""
    assert isinstance(tiger.locks, MemoryLockStore)


def test_a_connection_gets_redis_locks_with_the_prefix() -> None:
    """TaskTiger(connection=...) keeps its locks on the same client and prefix."""
    client = fakeredis.FakeRedis(decode_responses=True, protocol=2)
    tiger = TaskTiger(client, config={"REDIS_PREFIX": "app"})

    tiger.set_queue_system_lock("q", 30)

    assert isinstance(tiger.locks, RedisLockStore)
    assert client.zscore("app:qslock:q", "SYSTEM_LOCK") is not None


def test_a_redis_store_gets_redis_locks() -> None:
    """A RedisTaskStore given as ``store`` shares its client with the locks."""
    client = fakeredis.FakeRedis(decode_responses=True, protocol=2)

    tiger = TaskTiger(store=RedisTaskStore(client, prefix="x"))

    assert isinstance(tiger.locks, RedisLockStore)


def test_explicit_locks_are_used() -> None:
    """A ``locks=`` argument replaces the default."""
    locks = MemoryLockStore()

    tiger = TaskTiger(store=MemoryTaskStore(), locks=locks)

    assert locks is tiger.locks


def test_queue_system_lock_round_trip(tiger: TaskTiger, clock: FakeClock) -> None:
    """set_queue_system_lock stores now+timeout; get_queue_system_lock reads it."""
    tiger.set_queue_system_lock("q", 12.5)

    assert (START + 12.5, None) == (
        tiger.get_queue_system_lock("q"),
        tiger.get_queue_system_lock("other"),
    )


def test_worker_max_workers_per_queue(tiger: TaskTiger) -> None:
    """The worker keeps its limit, settable afterwards as TaskTiger's tests do."""
    worker = Worker(tiger, executor="sync", max_workers_per_queue=2)

    worker.max_workers_per_queue = 3

    assert 3 == worker.cycle.guards.limit("q")


def test_worker_refuses_a_limit_below_one(tiger: TaskTiger) -> None:
    """max_workers_per_queue=0 is a clear configuration error."""
    with pytest.raises(ConfigError, match="max_workers_per_queue must be >= 1"):
        Worker(tiger, executor="sync", max_workers_per_queue=0)


def test_paused_queue_is_not_processed_by_a_limited_worker(
    tiger: TaskTiger, clock: FakeClock
) -> None:
    """A limited sync worker leaves a paused queue alone until the pause ends."""
    tiger.delay(add, args=[1, 2], queue="q")
    tiger.set_queue_system_lock("q", 10)
    worker = Worker(tiger, executor="sync", max_workers_per_queue=1)

    worker.run(once=True)
    paused = tiger.get_queue_sizes("q")["queued"]
    clock.advance(10)
    worker.run(once=True)

    assert (1, 0) == (paused, tiger.get_queue_sizes("q")["queued"])
