"""The TaskTiger facade over a real Redis: TaskTiger's key layout and bad payloads."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any

import pytest
import redis
import structlog

from tests import sample_tasks
from tiger_adapters.compat import Task, TaskTiger, Worker, fixed


def data_keys(client: redis.Redis) -> list[str]:
    """Every key but the rate-limit locks of workers (``P:lockv2:queue_*``)."""
    keys = [str(key) for key in client.keys("*")]
    return sorted(k for k in keys if not k.startswith("t:lockv2:queue_"))


@pytest.fixture
def tiger(redis_client: redis.Redis) -> TaskTiger:
    return TaskTiger(connection=redis_client)


def drain(tiger: TaskTiger) -> list[MutableMapping[str, Any]]:
    """Run a sync worker until an iteration finds no work; return its log events."""
    with structlog.testing.capture_logs() as logs:
        Worker(tiger, executor="sync").run(once=True)
    return logs


def named(module: str, qualname: str) -> Callable[..., None]:
    """A function that serializes as ``module:qualname`` (never run)."""

    def func(*args: Any, **kwargs: Any) -> None:
        del args, kwargs

    func.__module__ = module
    func.__qualname__ = qualname
    return func


def put_raw(client: redis.Redis, queue: str, task_id: str, payload: str | None) -> None:
    """Queue ``task_id`` the way another producer would, with a raw payload."""
    client.zadd(f"t:queued:{queue}", {task_id: 1.0})
    client.sadd("t:queued", queue)
    if payload is not None:
        client.set(f"t:task:{task_id}", payload)


def executions(client: redis.Redis, task_id: str) -> list[dict[str, Any]]:
    return [json.loads(r) for r in client.lrange(f"t:task:{task_id}:executions", 0, -1)]


# -- layout of a queued task ---------------------------------------------------------


def test_queued_task_sits_in_tasktigers_keys(
    tiger: TaskTiger, redis_client: redis.Redis
) -> None:
    """A delayed task is in ``t:queued:<q>``, ``t:queued`` and ``t:task:<id>``, only."""
    task = tiger.delay(sample_tasks.add, args=[1, 2], kwargs={"c": "é"}, queue="q")

    raw = redis_client.get(f"t:task:{task.id}")

    stamp = task.data["time_last_queued"]
    assert redis_client.zscore("t:queued:q", task.id) == stamp
    assert redis_client.smembers("t:queued") == {"q"}
    assert sorted(redis_client.keys("*")) == [
        "t:queued",
        "t:queued:q",
        f"t:task:{task.id}",
    ]
    assert raw == json.dumps(
        {
            "id": task.id,
            "func": "tests.sample_tasks:add",
            "args": [1, 2],
            "kwargs": {"c": "é"},
            "time_last_queued": stamp,
            "scheduled_at": stamp,
        }
    )
    assert '"c": "\\u00e9"' in (raw or "")


@pytest.mark.parametrize(
    ("options", "fields"),
    [
        (
            {"retry_method": fixed(60, 2), "max_stored_executions": 5},
            {
                "retry_method": ["tasktiger.retry:_fixed", [60, 2]],
                "max_stored_executions": 5,
            },
        ),
        (
            {"retry": True},
            {"retry_method": ["tasktiger.retry:_fixed", [60, 3]]},
        ),
        ({"hard_timeout": 5}, {"hard_timeout": 5}),
        (
            {"unique": True, "retry_on": [ValueError]},
            {
                "unique": True,
                "retry_method": ["tasktiger.retry:_fixed", [60, 3]],
                "retry_on": ["builtins:ValueError"],
            },
        ),
    ],
    ids=["retry-method", "default-retry", "hard-timeout", "unique-retry-on"],
)
def test_task_json_text_matches_tasktiger(
    tiger: TaskTiger,
    redis_client: redis.Redis,
    options: dict[str, Any],
    fields: dict[str, Any],
) -> None:
    """The payload text is what TaskTiger's json.dumps writes for the same call."""
    task = tiger.delay(sample_tasks.fail, **options)

    raw = redis_client.get(f"t:task:{task.id}")

    stamp = task.data["time_last_queued"]
    expected = {"id": task.id, "func": "tests.sample_tasks:fail"}
    unique = {"unique": fields.pop("unique")} if "unique" in fields else {}
    expected |= unique | fields | {"time_last_queued": stamp, "scheduled_at": stamp}
    assert list(json.loads(raw or "{}")) == list(expected)
    assert raw == json.dumps(expected)


@pytest.mark.parametrize(
    ("func", "args", "kwargs", "options", "expected"),
    [
        (
            named("tests.tasks", "unique_task"),
            [],
            {"value": 1},
            {"unique": True},
            "cddce980c194b1e8a5f38b0d1a476c51d73e3f30f6cc846ffb07c551c1328513",
        ),
        (
            named("tests.tasks_periodic", "periodic_task"),
            [],
            {},
            {"unique": True},
            "d1b335dd3412b837c321ef236e2839547d4107506b0d6c9ad04ad155080cb634",
        ),
        (
            named("tests.tasks", "unique_key_task"),
            [],
            {"a": 1},
            {"unique_key": ("a",)},
            "a96f9d6d47765973e29f3eedcf3f44a16f498d2b80ca7d13594ec3958031585e",
        ),
        (
            named("m", "f"),
            (1.5, "é", {"b": 1, "a": []}),
            {},
            {"unique": True},
            "bd1d351790d9fe448133ecfddb29aea970d33995968da9566b939b7d32873159",
        ),
    ],
    ids=["unique-task", "periodic", "unique-key", "floats-unicode-nesting"],
)
def test_unique_id_vectors_reproduce_through_delay(  # noqa: PLR0913, PLR0917 - parametrized
    tiger: TaskTiger,
    redis_client: redis.Redis,
    func: Callable[..., None],
    args: Any,
    kwargs: dict[str, Any],
    options: dict[str, Any],
    expected: str,
) -> None:
    """``delay(unique=True)`` gives TaskTiger's ids for the compat 3.2 vectors."""
    task = tiger.delay(func, args=args, kwargs=kwargs, **options)

    assert task.id == expected
    assert redis_client.zscore("t:queued:default", expected) is not None
    assert redis_client.exists(f"t:task:{expected}") == 1


# -- running ------------------------------------------------------------------------


def test_successful_task_leaves_no_keys(
    tiger: TaskTiger, redis_client: redis.Redis, tmp_path: Path
) -> None:
    """A task that succeeds leaves nothing at all in Redis."""
    path = str(tmp_path / "out")
    tiger.delay(sample_tasks.record, args=[path], kwargs={"value": 7}, queue="q")

    drain(tiger)

    assert sample_tasks.read_records(path) == [7]
    assert data_keys(redis_client) == []


def test_failing_task_is_kept_in_error(
    tiger: TaskTiger, redis_client: redis.Redis
) -> None:
    """A failing task stays in ``t:error:<q>`` with its payload and one record."""
    task = tiger.delay(sample_tasks.fail, args=["boom"], queue="q")

    drain(tiger)

    assert redis_client.zscore("t:error:q", task.id) is not None
    assert redis_client.smembers("t:error") == {"q"}
    assert redis_client.smembers("t:queued") == set()
    assert redis_client.get(f"t:task:{task.id}:executions_count") == "1"
    (record,) = executions(redis_client, task.id)
    assert record["exception_name"] == "builtins:ValueError"
    assert record["success"] is False
    loaded = Task.from_id(tiger, "q", "error", task.id, load_executions=1)
    assert loaded.executions == [record]
    loaded.retry()
    assert redis_client.zscore("t:queued:q", task.id) is not None
    assert redis_client.exists("t:error:q") == 0


def good_task(tiger: TaskTiger, tmp_path: Path) -> tuple[Task, str]:
    """Queue a task that records to a file, after whatever is queued already."""
    path = str(tmp_path / "good")
    return tiger.delay(sample_tasks.record, args=[path, "ok"], queue="q"), path


def test_malformed_payload_errors_and_the_worker_goes_on(
    tiger: TaskTiger, redis_client: redis.Redis, tmp_path: Path
) -> None:
    """A payload that is not JSON ends in error naming the task; the next task runs."""
    bad_id = os.urandom(32).hex()
    put_raw(redis_client, "q", bad_id, "{not json")
    good, path = good_task(tiger, tmp_path)

    drain(tiger)

    assert redis_client.zscore("t:error:q", bad_id) is not None
    (record,) = executions(redis_client, bad_id)
    assert bad_id in record["traceback"]
    assert record["success"] is False
    assert record["exception_name"]
    assert sample_tasks.read_records(path) == ["ok"]
    assert redis_client.exists(f"t:task:{good.id}") == 0


def test_unimportable_function_errors_and_the_worker_goes_on(
    tiger: TaskTiger, redis_client: redis.Redis, tmp_path: Path
) -> None:
    """A task naming a missing module ends in error naming the module; the next runs."""
    bad_id = os.urandom(32).hex()
    payload = {"id": bad_id, "func": "no_such_module_xyz:func", "args": [1]}
    put_raw(redis_client, "q", bad_id, json.dumps(payload))
    good, path = good_task(tiger, tmp_path)

    drain(tiger)

    assert redis_client.zscore("t:error:q", bad_id) is not None
    (record,) = executions(redis_client, bad_id)
    assert record["exception_name"] == "tasktiger.exceptions:TaskImportError"
    assert "no_such_module_xyz" in record["traceback"]
    assert sample_tasks.read_records(path) == ["ok"]
    assert redis_client.exists(f"t:task:{good.id}") == 0


def test_vanished_payload_is_dropped(
    tiger: TaskTiger, redis_client: redis.Redis, tmp_path: Path
) -> None:
    """An id whose payload vanished is dropped with a "not found" log; the next runs."""
    lost_id = os.urandom(32).hex()
    put_raw(redis_client, "q", lost_id, None)
    _, path = good_task(tiger, tmp_path)

    logs = drain(tiger)

    assert [e.get("task_id") for e in logs if e["event"] == "not found"] == [lost_id]
    assert sample_tasks.read_records(path) == ["ok"]
    assert data_keys(redis_client) == []
