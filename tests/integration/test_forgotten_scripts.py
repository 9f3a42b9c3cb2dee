"""Scripts still run when the server forgets them between any two calls.

``SCRIPT FLUSH`` (or a restart, or a failover to a replica that never saw the
script) can land between a ``NOSCRIPT`` reply and the call sent after it. Here the
server forgets every script right before each EVALSHA, the worst case of that
race: loading the script and sending EVALSHA again would fail every call, so each
path (the lane, the client, a pipeline) must fall back to EVAL with the source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis

from tests import sample_tasks
from tiger_adapters.compat import TaskTiger, Worker
from tiger_adapters.redis.lane import (
    CommandLane,
    as_eval,
    evalsha_command,
    pack_command,
)
from tiger_adapters.redis.lua_files import LuaScript


class ForgetfulRedis(redis.Redis):
    """A client whose server forgets every script right before each EVALSHA."""

    evalsha_sent = 0

    def execute_command(self, *args: Any, **options: Any) -> Any:
        run: Callable[..., Any] = super().execute_command
        if args and args[0] == "EVALSHA":
            ForgetfulRedis.evalsha_sent += 1
            run("SCRIPT", "FLUSH")
        return run(*args, **options)


@pytest.fixture
def forgetful(redis_url: str, redis_client: redis.Redis) -> Iterator[redis.Redis]:
    """A forgetful client on the per-test (flushed) database."""
    del redis_client  # flushes the database
    client = ForgetfulRedis.from_url(redis_url, decode_responses=True, protocol=2)
    ForgetfulRedis.evalsha_sent = 0
    try:
        yield client
    finally:
        client.close()


def forget_before_each_script(lane: CommandLane, admin: redis.Redis) -> list[bytes]:
    """Make ``lane`` flush the scripts before each EVALSHA; return what it sent."""
    sent: list[bytes] = []
    run = lane.run

    def forgetting(packed: bytes, *, raw: bool = False) -> Any:
        if b"$7\r\nEVALSHA\r\n" in packed[:24]:
            admin.script_flush()
        sent.append(packed)
        return run(packed, raw=raw)

    lane.run = forgetting  # type: ignore[method-assign]
    return sent


def run_everything(tiger: TaskTiger, path: str) -> None:
    """Single and bulk enqueues (one queue and two), then a worker pass."""
    tiger.delay(sample_tasks.record, args=[path, "single"], unique=True)
    tiger.delay(sample_tasks.fail, args=["boom"], lock=True)
    tiger.delay_many([{"func": sample_tasks.record, "args": [path, "bulk"]}])
    tiger.delay_many(
        [
            {"func": sample_tasks.record, "args": [path, "a"], "queue": "a"},
            {"func": sample_tasks.record, "args": [path, "b"], "queue": "b"},
        ]
    )
    Worker(tiger, executor="sync").run(once=True)


def assert_all_ran(client: redis.Redis, path: str) -> None:
    assert ["a", "b", "bulk", "single"] == sorted(sample_tasks.read_records(path))
    assert 1 == client.zcard("t:error:default")
    for state in ("queued", "active", "scheduled"):
        assert [] == client.keys(f"t:{state}:*"), state


def test_the_lane_sends_eval_when_the_script_is_forgotten_again(
    redis_client: redis.Redis, tmp_path: Any
) -> None:
    tiger = TaskTiger(connection=redis_client)
    lane = tiger.store._scripts._lane  # type: ignore[attr-defined]
    assert isinstance(lane, CommandLane)
    sent = forget_before_each_script(lane, redis_client)
    path = str(tmp_path / "out")

    run_everything(tiger, path)

    assert_all_ran(redis_client, path)
    assert any(b"$4\r\nEVAL\r\n" in packed for packed in sent)


def test_the_client_sends_eval_when_the_script_is_forgotten_again(
    forgetful: redis.Redis, tmp_path: Any
) -> None:
    tiger = TaskTiger(connection=forgetful)
    scripts = tiger.store._scripts  # type: ignore[attr-defined]
    scripts._lane = scripts.enqueue._lane = None  # every call through the client
    path = str(tmp_path / "out")

    run_everything(tiger, path)

    assert_all_ran(forgetful, path)
    assert ForgetfulRedis.evalsha_sent > 5


def test_a_script_in_a_pipeline_is_sent_as_eval(forgetful: redis.Redis) -> None:
    script = LuaScript(forgetful, "return ARGV[1] .. KEYS[1]")
    forgetful.script_flush()
    with forgetful.pipeline() as pipe:
        script(keys=["k"], args=["v"], client=pipe)
        assert ["vk"] == pipe.execute()


def test_as_eval_rewrites_only_the_head(redis_client: redis.Redis) -> None:
    script = LuaScript(redis_client, "return {KEYS[1], ARGV[1]}")
    packed = evalsha_command(script, 1, [b"key", b"arg"])

    rewritten = as_eval(packed, script)

    assert rewritten == pack_command(
        [b"EVAL", script.script.encode(), b"1", b"key", b"arg"]
    )
    with pytest.raises(ValueError, match="EVALSHA"):
        as_eval(pack_command([b"GET", b"key"]), script)
