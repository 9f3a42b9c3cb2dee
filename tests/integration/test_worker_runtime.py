"""The worker runtime on real Redis with real worker processes and forks.

Each test is bounded by pytest-timeout and by ``wait_for`` deadlines; timing
assertions are never tighter than a few seconds.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import redis

from tests import runtime_tasks
from tests.integration.runtime_support import (
    FAST,
    read,
    start_worker,
    stop,
    wait_for,
    workers,
)
from tiger_adapters.compat import JobTimeoutException, TaskTiger, fixed

RETRIABLE: dict[str, Any] = {
    "retry_on": [JobTimeoutException],
    "retry_method": fixed(0, 3),
}
#: ACTIVE_TASK_UPDATE_TIMEOUT + REQUEUE_EXPIRED_TASKS_INTERVAL + one loop, plus
#: slack for starting a process on a busy 2-core machine.
RECOVERY_BOUND = 2 + 1 + 0.2 + 4


def producer(client: redis.Redis, **config: object) -> TaskTiger:
    """A producer on the test database."""
    return TaskTiger(connection=client, config=config)


def events(records: Path, name: str, event: str) -> list[dict[str, object]]:
    """The records of task ``name`` with ``event``."""
    return [r for r in read(records) if r.get("name") == name and r["event"] == event]


@pytest.mark.timeout(60)
def test_four_workers_queue_each_period_once(redis_url: str, tmp_path: Path) -> None:
    """With 4 workers and a 1 s periodic task for 10 s, each period runs once."""
    records = tmp_path / "records"

    with workers(redis_url, records, tmp_path, count=4, queues="periodic"):
        time.sleep(10)  # the observation window, not a speed assertion

    periods = [r["period"] for r in read(records)]
    counts = Counter(periods)
    assert [] == [p for p, n in counts.items() if n > 1]
    assert len(periods) >= 7
    expected = [min(periods) + i for i in range(len(periods))]
    assert expected == sorted(periods)


@pytest.mark.timeout(60)
def test_sigkilled_worker_task_runs_again_elsewhere(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    """A task of a SIGKILLed worker runs on another within the recovery time."""
    records = tmp_path / "records"
    doomed = start_worker(redis_url, records, tmp_path, "doomed")
    try:
        task = producer(redis_client).delay(
            runtime_tasks.slow, args=["t", 30], queue="q", **RETRIABLE
        )
        wait_for(lambda: len(events(records, "t", "start")) == 1, "a start", tmp_path)
        with workers(redis_url, records, tmp_path, count=1) as (_survivor,):
            time.sleep(1)  # let the survivor start up before the crash
            os.killpg(doomed.pid, signal.SIGKILL)
            elapsed = wait_for(
                lambda: len(events(records, "t", "start")) == 2, "a rerun", tmp_path
            )
            pids = {r["pid"] for r in events(records, "t", "start")}
    finally:
        stop(doomed)

    assert elapsed < RECOVERY_BOUND
    assert 2 == len(pids)
    (lost,) = redis_client.lrange(f"t:task:{task.id}:executions", 0, -1)
    assert "stopped heartbeating" in lost
    assert "tasktiger.exceptions:JobTimeoutException" in lost


@pytest.mark.timeout(60)
def test_resumed_worker_cannot_finish_a_task_it_lost(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    """A SIGSTOPped worker resumed after its lease expired kills its child (fence)."""
    records = tmp_path / "records"
    paused = start_worker(redis_url, records, tmp_path, "paused")
    try:
        # Longer than the pause: the stale child is still sleeping when its
        # worker resumes, so only the fence can stop it from finishing.
        producer(redis_client).delay(
            runtime_tasks.slow, args=["t", 8], queue="q", **RETRIABLE
        )
        wait_for(lambda: len(events(records, "t", "start")) == 1, "a start", tmp_path)
        os.killpg(paused.pid, signal.SIGSTOP)
        with workers(redis_url, records, tmp_path, count=1):
            wait_for(
                lambda: len(events(records, "t", "start")) == 2, "a rerun", tmp_path
            )
            os.killpg(paused.pid, signal.SIGCONT)
            log = tmp_path / "paused.log"
            wait_for(lambda: "lease lost" in log.read_text(), "lease lost", tmp_path)
            active_after_lost = redis_client.zcard("t:active:q")
            wait_for(
                lambda: redis_client.exists("t:active:q") == 0, "completion", tmp_path
            )
            paused_log = log.read_text()
    finally:
        stop(paused)

    assert 1 == active_after_lost  # the rerun was untouched by the paused worker
    assert [] == redis_client.keys("t:task:*")
    assert 1 == len(events(records, "t", "end"))  # the stale child never finished
    assert any(
        '"child killed"' in line and '"lease lost"' in line
        for line in paused_log.splitlines()
    )


@pytest.mark.timeout(40)
def test_idle_worker_wakes_on_announcement(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    """A task queued to an idle worker starts well within SELECT_TIMEOUT."""
    records = tmp_path / "records"
    config = {**FAST, "SELECT_TIMEOUT": 15, "QUEUE_RESYNC_INTERVAL": 60}

    with workers(redis_url, records, tmp_path, config=config):
        time.sleep(2)  # the worker is up and idle
        producer(redis_client).delay(runtime_tasks.slow, args=["t", 0], queue="q")
        elapsed = wait_for(
            lambda: len(events(records, "t", "end")) == 1, "the task", tmp_path
        )

    assert elapsed < 7


@pytest.mark.timeout(40)
def test_missed_announcement_is_caught_by_resync(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    """A task queued without a publish is still found by the periodic resync."""
    records = tmp_path / "records"
    config = {**FAST, "SELECT_TIMEOUT": 1, "QUEUE_RESYNC_INTERVAL": 2}

    with workers(redis_url, records, tmp_path, config=config):
        time.sleep(2)
        quiet = producer(redis_client, PUBLISH_QUEUED_TASKS=False)
        quiet.delay(runtime_tasks.slow, args=["t", 0], queue="q")
        wait_for(lambda: len(events(records, "t", "end")) == 1, "the task", tmp_path)
        # The task's end is recorded before the worker settles it: wait for that too.
        wait_for(lambda: not redis_client.keys("t:task:*"), "the settle", tmp_path)

    assert [] == redis_client.keys("t:task:*")


@pytest.mark.timeout(40)
def test_polling_mode_finds_unannounced_work(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    """With POLL_TASK_QUEUES_INTERVAL > 0 the worker polls; no publish is needed."""
    records = tmp_path / "records"
    config = {**FAST, "POLL_TASK_QUEUES_INTERVAL": 0.2, "QUEUE_RESYNC_INTERVAL": 60}

    with workers(redis_url, records, tmp_path, config=config):
        time.sleep(2)
        quiet = producer(redis_client, PUBLISH_QUEUED_TASKS=False)
        quiet.delay(runtime_tasks.slow, args=["p", 0], queue="q")
        elapsed = wait_for(
            lambda: len(events(records, "p", "end")) == 1, "the task", tmp_path
        )

    assert elapsed < 10


@pytest.mark.timeout(40)
def test_second_signal_kills_the_task_and_retries_it(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    """SIGTERM twice: the worker exits 0 at once and its task is put back."""
    records = tmp_path / "records"
    worker = start_worker(redis_url, records, tmp_path, "worker")
    try:
        task = producer(redis_client).delay(
            runtime_tasks.slow, args=["t", 30], queue="q", **RETRIABLE
        )
        wait_for(lambda: len(events(records, "t", "start")) == 1, "a start", tmp_path)
        worker.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=10)
    finally:
        stop(worker)

    (record,) = redis_client.lrange(f"t:task:{task.id}:executions", 0, -1)
    assert 0 == code
    assert "worker shutdown" in record
    assert redis_client.zscore("t:scheduled:q", task.id) is not None


@pytest.mark.timeout(40)
def test_batch_queue_on_redis_with_forks(
    redis_client: redis.Redis, tmp_path: Path
) -> None:
    """A batch function in a batch queue gets its tasks in one forked call."""
    from tests.sample_tasks import batch_collect, read_records
    from tiger_adapters.compat import Worker

    tiger = TaskTiger(connection=redis_client, config={"BATCH_QUEUES": {"batch": 3}})
    path = str(tmp_path / "out")
    for n in range(4):
        tiger.delay(batch_collect, kwargs={"path": path, "n": n}, queue="batch.sub")

    Worker(tiger).run(once=True)

    calls = read_records(path)
    assert [[0, 1, 2], [3]] == [[t["kwargs"]["n"] for t in call] for call in calls]
    assert [] == redis_client.keys("t:task:*")
