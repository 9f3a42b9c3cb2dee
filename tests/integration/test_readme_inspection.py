"""TaskTiger's README examples run on Tiger with only their imports changed (part 2).

Custom retrying, Inspect, requeue and delete tasks (examples 1 to 3) and Cleaning
Up Error'd Tasks. The examples are the files of ``tests.readme_examples``; see
``tests/readme_examples/harness.py`` for the context they get. Retries are followed
with a frozen clock, so the README's delays are checked exactly and without waiting.
"""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import pytest
import redis
import structlog

from tests.clock import FrozenClock
from tests.readme_examples import context
from tests.readme_examples.harness import Examples
from tiger_adapters.compat import Task, TaskTiger, Worker

README_TASK_ID = "6fa07a91642363593cddef7a9e0c70ae3480921231710aa7648b467e637baa79"
TWELVE_WEEKS_S = 12 * 7 * 24 * 3600.0


@pytest.fixture
def examples(
    monkeypatch: pytest.MonkeyPatch, redis_url: str, redis_client: redis.Redis
) -> Examples:
    del redis_client  # requested for its FLUSHALL: every test starts empty
    return Examples(monkeypatch, redis_url)


def drain(tiger: TaskTiger, executor: str = "fork") -> list[MutableMapping[str, Any]]:
    """Run a worker until it finds no work; return its log events."""
    with structlog.testing.capture_logs() as logs:
        Worker(tiger, executor=executor).run(once=True)
    return logs


def retry_delays(
    tiger: TaskTiger, clock: FrozenClock, client: redis.Redis, task_id: str
) -> tuple[list[float], list[MutableMapping[str, Any]]]:
    """Run the task until it is no longer rescheduled; return delays and log events."""
    delays: list[float] = []
    logs = drain(tiger)
    while (score := client.zscore("t:scheduled:default", task_id)) is not None:
        delays.append(score - clock.now())
        clock.advance(score - clock.now())
        logs = drain(tiger)
    return delays, logs


def task_errors(logs: list[MutableMapping[str, Any]]) -> list[tuple[str, str]]:
    """(level, next state) of each failed execution logged."""
    return [
        (e["log_level"], e["next_state"]) for e in logs if e["event"] == "task error"
    ]


def retry_example(examples: Examples, ready: Any) -> Any:
    """The Custom retrying example, with the README's undefined names provided."""
    return examples.run(
        "custom_retrying",
        ready=ready,
        some_code=context.network_down,
        NetworkException=context.NetworkException,
    )


def test_custom_retry_when_not_ready_retries_every_minute_three_times(
    examples: Examples, redis_client: redis.Redis
) -> None:
    """RetryException(fixed(60, 3)): 3 retries a minute apart, then an error task."""
    clock = FrozenClock(time.time())
    tiger = TaskTiger(connection=redis_client, clock=clock)
    task = tiger.delay(retry_example(examples, context.not_ready).my_task)

    delays, logs = retry_delays(tiger, clock, redis_client, task.id)

    assert [60.0, 60.0, 60.0] == delays
    assert [task.id] == redis_client.zrange("t:error:default", 0, -1)
    assert 4 == redis_client.llen(f"t:task:{task.id}:executions")
    assert [("error", "error")] == task_errors(logs)  # out of retries: an error


def test_custom_retry_on_network_error_backs_off_and_drops_the_task(
    examples: Examples, redis_client: redis.Redis
) -> None:
    """exponential(60, 2, 5) with log_error=False: 5 retries, then only a warning."""
    clock = FrozenClock(time.time())
    tiger = TaskTiger(connection=redis_client, clock=clock)
    task = tiger.delay(retry_example(examples, context.is_ready).my_task)
    drain(tiger)
    [first] = redis_client.lrange(f"t:task:{task.id}:executions", 0, -1)
    clock.advance(60)

    delays, logs = retry_delays(tiger, clock, redis_client, task.id)

    assert "NetworkException: network down" in json.loads(first)["traceback"]
    assert [120.0, 240.0, 480.0, 960.0] == delays  # after the first 60
    assert [("warning", "deleted")] == task_errors(logs)  # no error logged
    assert [] == redis_client.keys("t:task:*")  # removed from Redis
    assert 0 == redis_client.zcard("t:error:default")


def test_inspect_example_1_cancels_a_unique_task_by_recreating_it(
    examples: Examples, redis_client: redis.Redis
) -> None:
    """Example 1: the task is scheduled in five minutes, then cancelled by a copy."""
    source = examples.source("inspect_cancel_unique")
    first_part, marker, rest = source.partition("# Unique tasks get back")
    module = examples.run_source(
        first_part,
        "inspect_cancel_unique",
        send_mail=context.send_mail,
        datetime=datetime,
    )
    scheduled_id = module.task.id
    score = redis_client.zscore("t:scheduled:default", scheduled_id)
    assert score is not None
    assert 300 == pytest.approx(score - time.time(), abs=5)

    examples.run_source(marker + rest, "inspect_cancel_unique", into=module)

    assert scheduled_id == module.task.id
    assert 0 == redis_client.zcard("t:scheduled:default")
    assert not redis_client.exists(f"t:task:{scheduled_id}")


def test_inspect_example_2_lists_errors_and_retries_the_task_by_id(
    examples: Examples,
    redis_client: redis.Redis,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Example 2: the errored task is listed with its function, requeued, then runs."""
    tiger = TaskTiger(connection=redis_client)
    # An errored task with the README's TASK_ID in queue default.
    payload = Task(tiger, context.fail_once, args=[str(tmp_path / "failed")]).data
    Task(tiger, queue="default", _data={**payload, "id": README_TASK_ID}).delay()
    drain(tiger)
    assert [README_TASK_ID] == redis_client.zrange("t:error:default", 0, -1)

    examples.run("inspect_retry_by_id")

    expected_line = f"{README_TASK_ID} {context.fail_once}"
    assert [expected_line] == capsys.readouterr().out.splitlines()
    assert [README_TASK_ID] == redis_client.zrange("t:queued:default", 0, -1)
    assert 0 == redis_client.zcard("t:error:default")
    drain(tiger)
    assert not redis_client.exists(f"t:task:{README_TASK_ID}")  # it succeeded


def test_inspect_example_3_batch_task_sees_each_tasks_executions(
    examples: Examples, redis_client: redis.Redis, capfd: pytest.CaptureFixture[str]
) -> None:
    """Example 3: the batch task prints n_executions() of each current task."""
    module = examples.run("inspect_batch_current_tasks")
    fresh = module.tiger.delay(module.my_task, args=[1])
    failed_before = module.tiger.delay(module.my_task, args=[2])
    # TaskTiger's failure counter, as left by one earlier failed execution.
    redis_client.set(f"t:task:{failed_before.id}:executions_count", 1)

    drain(module.tiger)

    assert ["0", "1"] == sorted(capfd.readouterr().out.splitlines())
    assert not redis_client.exists(f"t:task:{fresh.id}")


def test_purge_example_is_periodic_and_purges_errors_older_than_12_weeks(
    examples: Examples, redis_client: redis.Redis
) -> None:
    """The hourly purge task deletes tasks that errored 12+ weeks ago, not newer."""
    module = examples.run("purge_errored_tasks", datetime=datetime)
    tiger = module.tiger
    old_clock = FrozenClock(time.time() - TWELVE_WEEKS_S - 3600)
    old_tiger = TaskTiger(connection=redis_client, clock=old_clock)
    old = old_tiger.delay(context.fail, args=["long ago"])
    drain(old_tiger, executor="sync")
    recent = tiger.delay(context.fail, args=["recently"])
    drain(tiger)  # also schedules the periodic purge for the next full hour
    [purge_id] = [str(i) for i in redis_client.zrange("t:scheduled:default", 0, -1)]
    next_run = redis_client.zscore("t:scheduled:default", purge_id)
    assert next_run is not None
    assert 0 == next_run % 3600
    assert {old.id, recent.id} == set(redis_client.zrange("t:error:default", 0, -1))
    purge = Task.from_id(tiger, "default", "scheduled", purge_id)
    assert module.purge_errored_tasks is purge.func
    purge.update_scheduled_time(datetime.datetime.now(datetime.UTC))

    drain(tiger)

    assert [recent.id] == redis_client.zrange("t:error:default", 0, -1)
    assert not redis_client.exists(f"t:task:{old.id}")
    assert next_run == redis_client.zscore("t:scheduled:default", purge_id)
