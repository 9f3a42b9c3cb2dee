"""The Redis store on a full redis-server (maxmemory reached, noeviction).

Redis refuses a script whose first write may grow memory; these tests pin the
writes a worker needs while Redis is full, and what a partial bulk enqueue reports.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import redis

from tests.contract.task_store import T0, claim, task
from tiger_adapters.redis import RedisTaskStore
from tiger_adapters.redis.scripts import Scripts
from tiger_core.errors import StorageFull
from tiger_core.model.batch import NewTask
from tiger_core.model.state import TaskState

QUEUED, ACTIVE, SCHEDULED = TaskState.QUEUED, TaskState.ACTIVE, TaskState.SCHEDULED
_OOM_SCRIPT = "return redis.error_reply('OOM command not allowed (simulated)')"


@contextmanager
def _full(client: redis.Redis) -> Iterator[None]:
    """Set maxmemory under the memory in use (noeviction), restore it afterwards."""
    before = str(client.config_get("maxmemory-policy")["maxmemory-policy"])
    used = int(client.info("memory")["used_memory"])
    client.config_set("maxmemory-policy", "noeviction")
    client.config_set("maxmemory", used // 2)
    try:
        with pytest.raises(redis.exceptions.OutOfMemoryError):
            client.set("probe", "x")  # Redis is really full
        yield
    finally:
        client.config_set("maxmemory", 0)
        client.config_set("maxmemory-policy", before)


@pytest.fixture
def store(redis_client: redis.Redis) -> RedisTaskStore:
    """A store on the flushed per-test database."""
    return RedisTaskStore(redis_client)


def test_heartbeat_runs_on_a_full_redis(
    store: RedisTaskStore, redis_client: redis.Redis
) -> None:
    """A full Redis still takes heartbeats, so running tasks are not recovered."""
    for name in ("a", "b"):
        store.enqueue(task(name), queue="q", state=QUEUED, score=T0)
    claim(store, limit=2)

    with _full(redis_client):
        lost = store.heartbeat("q", ["a", "b", "gone"], now=T0 + 5, owner="w1")

    assert ["gone"] == lost
    assert [("a", T0 + 5), ("b", T0 + 5)] == redis_client.zrange(
        "t:active:q", 0, -1, withscores=True
    )


def test_defer_runs_on_a_full_redis(
    store: RedisTaskStore, redis_client: redis.Redis
) -> None:
    """A full Redis still takes a lock-busy defer from active to scheduled."""
    store.enqueue(task("a"), queue="q", state=QUEUED, score=T0)
    claim(store)

    with _full(redis_client):
        store.defer("q", "a", owner="w1", score=T0 + 2)

    assert (0, 1, T0 + 2) == (
        store.count("q", ACTIVE),
        store.count("q", SCHEDULED),
        store.get("q", SCHEDULED, "a").score,
    )


def test_enqueue_many_names_the_tasks_a_full_redis_refused(
    store: RedisTaskStore, redis_client: redis.Redis, monkeypatch: Any
) -> None:
    """Queue a written, queue b refused (OOM): StorageFull names both, b is absent."""
    real = Scripts.enqueue_batch

    def batch(self: Scripts, pipe: Any, queue: str, *args: Any, **kw: Any) -> None:
        if queue == "b":
            pipe.eval(_OOM_SCRIPT, 0)  # as Redis answers a script refused for OOM
            return
        real(self, pipe, queue, *args, **kw)

    monkeypatch.setattr(Scripts, "enqueue_batch", batch)
    news = [
        NewTask(task(name), queue=queue, state=QUEUED, score=T0)
        for name, queue in (("a1", "a"), ("b1", "b"), ("a2", "a"))
    ]

    with pytest.raises(StorageFull) as raised:
        store.enqueue_many(news)

    message = str(raised.value)
    assert "not queued: b1" in message
    assert "queued: a1, a2" in message
    assert (["b1"], ["a1", "a2"]) == (raised.value.not_queued, raised.value.queued)
    assert (2, 0) == (store.count("a", QUEUED), store.count("b", QUEUED))
