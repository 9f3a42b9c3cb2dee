"""The Redis store over fakeredis (with Lua) against the TaskStore contract."""

from __future__ import annotations

import fakeredis
import pytest
import redis

from tests.contract.task_store import T0, TaskStoreContract, task
from tiger_adapters.redis import RedisTaskStore
from tiger_core.errors import ConfigError, TaskNotFound
from tiger_core.model.state import TaskState


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


@pytest.fixture
def client() -> redis.Redis:
    """A decoding RESP2 fakeredis client on its own server."""
    return fakeredis.FakeRedis(
        server=fakeredis.FakeServer(), decode_responses=True, protocol=2
    )


def test_claim_returns_unusable_payloads_with_a_problem(client) -> None:
    """A missing or malformed payload comes back with data=None, never raised."""
    store = RedisTaskStore(client)
    client.zadd("t:queued:q", {"gone": T0, "bad": T0 + 1})
    client.set("t:task:bad", "{not json")

    gone, bad = store.claim("q", limit=5, now=T0, owner="w", busy_retry_at=T0)

    assert (gone.data, bad.data) == (None, None)
    assert gone.problem is not None
    assert "not found" in gone.problem
    assert bad.problem is not None
    assert "not valid JSON" in bad.problem


def test_get_raises_when_payload_is_missing(client) -> None:
    """A score without a payload is TaskNotFound."""
    store = RedisTaskStore(client)
    client.zadd("t:error:q", {"a": T0})

    with pytest.raises(TaskNotFound, match='Task a not found in queue "q"'):
        store.get("q", TaskState.ERROR, "a")


def test_get_reads_newest_executions(client) -> None:
    """``executions=n`` reads the newest n records, oldest first."""
    store = RedisTaskStore(client)
    store.enqueue(task("a"), queue="q", state=TaskState.QUEUED, score=T0)
    client.rpush("t:task:a:executions", *(f'{{"n": {n}}}' for n in range(3)))

    loaded = store.get("q", TaskState.QUEUED, "a", executions=2)

    assert loaded.executions == [{"n": 1}, {"n": 2}]


def test_prefix_and_publish_flag(client) -> None:
    """A custom prefix names every key; publish=False announces nothing."""
    store = RedisTaskStore(client, prefix="other", publish=False)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe("other:activity")
    pubsub.get_message(timeout=1)

    store.enqueue(task("a"), queue="q", state=TaskState.QUEUED, score=T0)

    assert pubsub.get_message(timeout=0.1) is None
    pubsub.close()
    assert sorted(client.keys("*")) == [
        "other:queued",
        "other:queued:q",
        "other:task:a",
    ]


def test_list_tasks_with_zero_limit_is_empty(client) -> None:
    """A zero limit returns the size but no page (not the whole zset)."""
    store = RedisTaskStore(client)
    store.enqueue(task("a"), queue="q", state=TaskState.QUEUED, score=T0)

    assert store.list_tasks("q", TaskState.QUEUED, limit=0) == (1, [])
