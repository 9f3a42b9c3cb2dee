"""Stored payloads that are not Tiger's JSON become a task's problem, never a crash."""

from __future__ import annotations

import fakeredis
import pytest

from tiger_adapters.redis import RedisTaskStore
from tiger_core.model.state import TaskState

T0 = 1_800_000_000.0


@pytest.fixture
def server() -> fakeredis.FakeServer:
    """One fake Redis server shared by a decoding and a raw client."""
    return fakeredis.FakeServer()


def _store(server: fakeredis.FakeServer) -> RedisTaskStore:
    client = fakeredis.FakeRedis(server=server, decode_responses=True, protocol=2)
    return RedisTaskStore(client)


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        (b"\xff\xfe garbage", "invalid payload: not UTF-8 text"),
        (b"\x80\x04\x95pickle", "invalid payload: not UTF-8 text"),
        (b"cos\nsystem\n(S'true'\ntR.", "invalid payload: not valid JSON"),
        (b'{"id": "t1"}', "invalid payload: field 'func'"),
        (b"[1, 2]", "invalid payload: not a JSON object"),
    ],
)
def test_claim_of_an_undecodable_payload_names_the_task_and_the_problem(
    server, payload, problem
):
    """Non-UTF-8 bytes, a pickle or bad JSON give ``data=None`` and a clear problem."""
    raw = fakeredis.FakeRedis(server=server)
    raw.set("t:task:t1", payload)
    raw.zadd("t:queued:q", {"t1": T0})
    raw.sadd("t:queued", "q")
    store = _store(server)

    [task] = store.claim("q", limit=1, now=T0, owner="w1", busy_retry_at=T0 + 1)

    assert (None, "t1", TaskState.ACTIVE) == (task.data, task.id, task.state)
    assert task.problem is not None
    assert task.problem.startswith(f"task t1: {problem}")


def test_a_garbled_executions_counter_reads_as_zero(server):
    """An executions_count that is not a number does not break the read."""
    raw = fakeredis.FakeRedis(server=server)
    raw.set("t:task:t1", b'{"id": "t1", "func": "m:f"}')
    raw.set("t:task:t1:executions_count", b"\xffx")
    raw.zadd("t:queued:q", {"t1": T0})
    raw.sadd("t:queued", "q")

    task = _store(server).get("q", TaskState.QUEUED, "t1")

    assert (0, "m:f") == (task.executions_count, task.data and task.data.func)
