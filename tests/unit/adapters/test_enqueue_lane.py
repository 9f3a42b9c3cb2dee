"""The enqueue lane: which clients get one, and the bytes it sends (no network).

Clients are built but never connected here: the lane's packed commands are
captured and compared with what redis-py itself would send for the same call.
"""

from __future__ import annotations

from typing import Any

import fakeredis
import pytest
import redis
from redis.credentials import UsernamePasswordCredentialProvider

from tiger_adapters.redis.enqueue_calls import EnqueueCalls
from tiger_adapters.redis.keys import KeySchema
from tiger_adapters.redis.lane import CommandLane, lane_for, pack_command
from tiger_adapters.redis.lua_files import LuaScript, script_source
from tiger_core.errors import QueueFullException
from tiger_core.model.state import TaskState

URL = "redis://127.0.0.1:1/0"  # never contacted


def client(**kwargs: Any) -> redis.Redis:
    return redis.Redis.from_url(URL, decode_responses=True, **kwargs)


def redis_py_bytes(*args: Any) -> bytes:
    """What redis-py's own packer sends for ``args``."""
    packed: list[bytes] = redis.Connection().pack_command(*args)  # type: ignore[no-untyped-call]
    return b"".join(packed)


class Captured(CommandLane):
    """A lane that records the packed commands and answers ``reply``."""

    def __init__(self, reply: Any) -> None:
        self.sent: list[bytes] = []
        self.reply = reply

    def run(self, packed: bytes, *, raw: bool = False) -> Any:
        del raw
        self.sent.append(packed)
        return self.reply


def calls(reply: Any, prefix: str = "t") -> tuple[EnqueueCalls, Captured]:
    c = client()
    single = LuaScript(c, script_source("enqueue_task"))
    bulk = LuaScript(c, script_source("enqueue_tasks"))
    enqueue = EnqueueCalls(c, KeySchema(prefix), single, bulk)
    lane = Captured(reply)
    enqueue._lane = lane
    return enqueue, lane


def test_a_plain_client_gets_a_lane() -> None:
    assert isinstance(lane_for(client()), CommandLane)


@pytest.mark.parametrize(
    "make",
    [
        lambda: fakeredis.FakeRedis(decode_responses=True),
        lambda: client(protocol=3),
        lambda: client(max_connections=4),
        lambda: redis.Redis(
            connection_pool=redis.BlockingConnectionPool.from_url(
                URL, decode_responses=True
            )
        ),
        lambda: client(credential_provider=UsernamePasswordCredentialProvider("u")),
    ],
    ids=["fakeredis", "resp3", "small-pool", "blocking-pool", "credentials"],
)
def test_other_clients_keep_redis_pys_own_path(make: Any) -> None:
    """Fakes, RESP3, small and blocking pools: no lane, execute_command is used."""
    assert lane_for(make()) is None


def test_pack_command_is_resp() -> None:
    parts = [b"SET", b"k", "é".encode(), b""]

    assert redis_py_bytes("SET", "k", "é", "") == pack_command(parts)


@pytest.mark.parametrize("limit", [None, 5])
@pytest.mark.parametrize("publish", [True, False])
@pytest.mark.parametrize("state", [TaskState.QUEUED, TaskState.SCHEDULED])
def test_enqueue_task_sends_what_redis_py_would(
    limit: int | None, publish: bool, state: TaskState
) -> None:
    """The lane's command is byte for byte redis-py's EVALSHA of the same call."""
    enqueue, lane = calls(1)
    payload = '{"id": "abc", "func": "m:f", "args": ["\\u00e9"]}'

    for queue in ("q", "q.sub", "q"):  # cached parts reused, per queue
        assert enqueue.enqueue_task(
            queue,
            state,
            "abc",
            payload,
            score=1.25,
            publish=publish,
            max_queue_size=limit,
        )
        keys, args = enqueue.single_call(
            queue,
            state,
            "abc",
            payload,
            score=1.25,
            publish=publish,
            max_queue_size=limit,
        )
        sha = enqueue._single.sha
        expected = redis_py_bytes("EVALSHA", sha, len(keys), *keys, *args)
        assert expected == lane.sent[-1]


def test_enqueue_task_keys_follow_the_prefix() -> None:
    enqueue, lane = calls(1, prefix="custom")

    enqueue.enqueue_task("q", TaskState.QUEUED, "abc", "{}", score=1.0, publish=True)

    assert b"custom:task:abc" in lane.sent[0]
    assert b"custom:queued:q" in lane.sent[0]
    assert b"t:" not in lane.sent[0]


def test_a_full_queue_is_refused() -> None:
    enqueue, _ = calls([-1, 3])

    with pytest.raises(QueueFullException, match=r"holds 3 tasks.*max_queue_size is 3"):
        enqueue.enqueue_task(
            "q", TaskState.QUEUED, "a", "{}", score=1.0, publish=True, max_queue_size=3
        )


def test_run_batch_sends_what_redis_py_would() -> None:
    """One queue's bulk script goes on the lane as redis-py would pack it."""
    enqueue, lane = calls([1, 0, -1])
    tasks = [
        ("a", '{"id": "a"}', 1.5, TaskState.QUEUED, None),
        ("b", '{"id": "b"}', 2.0, TaskState.SCHEDULED, 7),
        ("c", '{"id": "c"}', 1e-07, TaskState.QUEUED, 7),
    ]

    assert [1, 0, -1] == enqueue.run_batch("q", tasks, publish=True)

    keys, args = enqueue._bulk_call("q", tasks, publish=True)
    expected = redis_py_bytes("EVALSHA", enqueue._bulk.sha, len(keys), *keys, *args)
    assert expected == lane.sent[0]
