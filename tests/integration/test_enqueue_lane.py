"""The enqueue lane on a real Redis: same bytes as redis-py's path, and robust.

The lane keeps one pool connection for the enqueue scripts; these tests check
that it writes exactly what the ``execute_command`` path writes, and survives a
script flush, a killed connection, threads and a fork.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import redis

from tests import sample_tasks
from tests.clock import FrozenClock
from tiger_adapters.compat import TaskTiger, Worker, fixed
from tiger_adapters.redis.lane import CommandLane
from tiger_core.errors import QueueFullException, StorageFull

T0 = 1_700_000_000.25


def make_tiger(client: redis.Redis, *, lane: bool) -> TaskTiger:
    tiger = TaskTiger(connection=client, clock=FrozenClock(T0))
    enqueue = tiger.store._scripts.enqueue  # type: ignore[attr-defined]
    assert isinstance(enqueue._lane, CommandLane)
    if not lane:
        enqueue._lane = None
    return tiger


def dump(client: redis.Redis) -> dict[str, Any]:
    """Every key with its type and content (zsets with scores)."""
    content: dict[str, Any] = {}
    for key in sorted(str(key) for key in client.keys("*")):
        kind = client.type(key)
        if kind == "string":
            content[key] = client.get(key)
        elif kind == "zset":
            content[key] = client.zrange(key, 0, -1, withscores=True)
        elif kind == "set":
            content[key] = sorted(client.smembers(key))
    return content


CALLS: list[dict[str, Any]] = [
    {"args": [1, 2], "unique": True},
    {"args": ["é", {"k": [1.5, None]}], "unique": True, "queue": "a.b"},
    {"kwargs": {"a": 1}, "unique_key": ["a"], "lock": True, "retry": True},
    {"args": [3], "unique": True, "retry_method": fixed(2, 3), "hard_timeout": 7},
    {"args": [4], "unique": True, "max_queue_size": 10},
]


def enqueue_all(tiger: TaskTiger) -> None:
    for index, call in enumerate(CALLS):
        tiger.delay(sample_tasks.add, **call)
        tiger.delay(sample_tasks.add, when=_later(index), **call)  # re-queued id
    tiger.delay_many([{"func": sample_tasks.add, **call} for call in CALLS[:2]])
    tiger.delay_many(
        [
            {"func": sample_tasks.record, "args": ["p", n], "unique": True}
            for n in (1, 2)
        ]
    )


def _later(index: int) -> dt.timedelta:
    return dt.timedelta(seconds=60 + index)


def test_the_lane_writes_what_redis_pys_path_writes(redis_client: redis.Redis) -> None:
    """Every key and payload byte, single and bulk, equals the execute_command path."""
    enqueue_all(make_tiger(redis_client, lane=False))
    expected = dump(redis_client)
    redis_client.flushall()

    enqueue_all(make_tiger(redis_client, lane=True))

    assert expected == dump(redis_client)


def test_a_full_queue_is_refused_on_the_lane(redis_client: redis.Redis) -> None:
    tiger = make_tiger(redis_client, lane=True)
    tiger.delay(sample_tasks.add, args=[1, 2])

    with pytest.raises(QueueFullException, match="max_queue_size is 1"):
        tiger.delay(sample_tasks.add, args=[1, 3], max_queue_size=1)


def test_the_lane_reloads_flushed_scripts(redis_client: redis.Redis) -> None:
    tiger = make_tiger(redis_client, lane=True)
    tiger.delay(sample_tasks.add, args=[1, 2])

    redis_client.script_flush()
    tiger.delay(sample_tasks.add, args=[3, 4])
    redis_client.script_flush()
    tiger.delay_many([{"func": sample_tasks.add, "args": [5, 6]}])

    assert 3 == redis_client.zcard("t:queued:default")


def test_the_lane_reconnects_after_its_connection_is_killed(
    redis_client: redis.Redis,
) -> None:
    """A killed connection is replaced (the connection's retry policy)."""
    tiger = make_tiger(redis_client, lane=True)
    tiger.delay(sample_tasks.add, args=[1, 2])

    killed = redis_client.client_kill_filter(_type="normal", skipme=True)
    tiger.delay(sample_tasks.add, args=[3, 4])

    assert killed >= 1
    assert 2 == redis_client.zcard("t:queued:default")


def test_threads_share_the_lane(redis_client: redis.Redis) -> None:
    """Concurrent delays: a busy lane lends the call to a pool connection."""
    tiger = make_tiger(redis_client, lane=True)

    def produce(first: int) -> None:
        for n in range(first, first + 100):
            tiger.delay(sample_tasks.add, args=[n, 0])

    threads = [threading.Thread(target=produce, args=(k * 100,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert 400 == redis_client.zcard("t:queued:default")


def test_a_forked_child_takes_its_own_connection(redis_client: redis.Redis) -> None:
    """The child enqueues on a fresh connection; the parent's still works."""
    tiger = make_tiger(redis_client, lane=True)
    tiger.delay(sample_tasks.add, args=[1, 2])

    pid = os.fork()
    if pid == 0:  # the child: enqueue, then leave without running pytest's exit
        code = 1
        try:
            tiger.delay(sample_tasks.add, args=[3, 4])
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    tiger.delay(sample_tasks.add, args=[5, 6])

    assert 0 == os.waitstatus_to_exitcode(status)
    assert 3 == redis_client.zcard("t:queued:default")


def test_collected_tigers_give_their_connection_back(redis_client: redis.Redis) -> None:
    """Many short-lived TaskTigers on one client do not pile up connections."""
    for n in range(20):
        tiger = make_tiger(redis_client, lane=True)
        tiger.delay(sample_tasks.add, args=[n, 0])
        del tiger
        gc.collect()

    assert 20 == redis_client.zcard("t:queued:default")
    assert len(redis_client.client_list()) <= 3


@contextmanager
def full(client: redis.Redis) -> Iterator[None]:
    """maxmemory under the memory in use (noeviction), restored afterwards."""
    before = str(client.config_get("maxmemory-policy")["maxmemory-policy"])
    used = int(client.info("memory")["used_memory"])
    client.config_set("maxmemory-policy", "noeviction")
    client.config_set("maxmemory", used // 2)
    try:
        yield
    finally:
        client.config_set("maxmemory", 0)
        client.config_set("maxmemory-policy", before)


def test_a_full_redis_refuses_lane_enqueues_whole(redis_client: redis.Redis) -> None:
    """Single and one-queue bulk enqueues on the lane: StorageFull, nothing written."""
    tiger = make_tiger(redis_client, lane=True)
    tiger.delay(sample_tasks.add, args=[0, 0])  # the lane is connected

    with full(redis_client):
        with pytest.raises(StorageFull, match="nothing was written"):
            tiger.delay(sample_tasks.add, args=[1, 2])
        with pytest.raises(StorageFull) as raised:
            tiger.delay_many(
                [{"func": sample_tasks.add, "args": [n, 0]} for n in (3, 4)]
            )

    assert "none, nothing was written" in str(raised.value)
    assert (2, []) == (len(raised.value.not_queued), raised.value.queued)
    assert 1 == redis_client.zcard("t:queued:default")


def test_worker_scripts_ride_the_lane_and_reload_after_a_flush(
    redis_client: redis.Redis, tmp_path: Any
) -> None:
    """Claim (and its MGET), complete and fail go on the lane, past SCRIPT FLUSH."""
    tiger = TaskTiger(connection=redis_client)
    scripts = tiger.store._scripts  # type: ignore[attr-defined]
    lane = scripts._lane
    assert isinstance(lane, CommandLane)
    path = str(tmp_path / "out")
    tiger.delay(sample_tasks.record, args=[path, "ok"])
    failing = tiger.delay(sample_tasks.fail, args=["boom"])
    sent: list[bytes] = []
    run = lane.run

    def recording(packed: bytes, *, raw: bool = False) -> Any:
        sent.append(packed)
        return run(packed, raw=raw)

    lane.run = recording  # type: ignore[method-assign]
    redis_client.script_flush()
    Worker(tiger, executor="sync").run(once=True)

    assert ["ok"] == sample_tasks.read_records(path)
    assert redis_client.zscore("t:error:default", failing.id) is not None
    assert 0 == redis_client.zcard("t:queued:default")
    for name in ("claim_tasks", "complete_task", "fail_task"):
        sha = scripts._scripts[name].sha.encode()
        assert any(sha in packed for packed in sent), name
    assert any(b"$4\r\nMGET\r\n" in packed[:16] for packed in sent)
