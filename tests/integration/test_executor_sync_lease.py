"""The sync executor keeps its lease, task lock and store sound while a task runs."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import redis
from structlog.testing import capture_logs

from tests import lock_tasks
from tests.integration.runtime_support import FAST, start_worker, stop, wait_for
from tiger_adapters.compat import TaskTiger, Worker
from tiger_adapters.executor.context import bind_host, bound_host
from tiger_adapters.redis.lane import CommandLane
from tiger_core.identity import unique_task_id

#: A lease far shorter than the task, beaten often; a quick expiry scan.
SHORT_LEASE = {
    **FAST,
    "ACTIVE_TASK_UPDATE_TIMER": 0.3,
    "ACTIVE_TASK_UPDATE_TIMEOUT": 1.5,
    "REQUEUE_EXPIRED_TASKS_INTERVAL": 0.2,
}
QUEUE = "synclease"
TASK_SECONDS = 4.0


@pytest.mark.timeout(60)
def test_sync_task_outliving_its_lease_completes_once_holding_its_lock(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    """A 4 s task with a 1.5 s lease: a second worker's expiry scan leaves it be."""
    path = str(tmp_path / "runs")
    logs = tmp_path / "logs"
    logs.mkdir()
    tiger = TaskTiger(connection=redis_client, config=SHORT_LEASE)
    args = [path, "long", TASK_SECONDS]
    lock_key = f"t:lockv2:{unique_task_id('tests.lock_tasks:timed', args, {})}"
    records = tmp_path / "records"
    sync = start_worker(
        redis_url, records, logs, "sync", config=SHORT_LEASE, queues=QUEUE,
        executor="sync",
    )  # fmt: skip
    scanner = None
    try:
        task = tiger.delay(lock_tasks.timed, args=args, queue=QUEUE, lock=True)
        wait_for(lambda: lock_tasks.started(path) == ["long"], "the start", logs)
        scanner = start_worker(
            redis_url, records, logs, "scanner", config=SHORT_LEASE, queues=QUEUE
        )
        lock_missing: list[float] = []
        deadline = time.monotonic() + 30
        while not lock_tasks.runs(path) and time.monotonic() < deadline:
            if not redis_client.exists(lock_key):
                lock_missing.append(time.monotonic())
            time.sleep(0.05)
        wait_for(
            lambda: (
                not redis_client.exists(f"t:task:{task.id}")
                or redis_client.zcard(f"t:error:{QUEUE}") > 0
            ),
            "the outcome",
            logs,
        )
        time.sleep(SHORT_LEASE["ACTIVE_TASK_UPDATE_TIMEOUT"])  # a rerun would start
        log_text = "".join(log.read_text() for log in logs.glob("*.log"))
    finally:
        stop(sync)
        if scanner is not None:
            stop(scanner)

    assert [] == lock_missing, log_text
    assert ["long"] == lock_tasks.started(path)
    assert ["long"] == [run[0] for run in lock_tasks.runs(path)]
    assert {"queued": 0, "active": 0, "scheduled": 0, "error": 0} == {
        state: redis_client.zcard(f"t:{state}:{QUEUE}")
        for state in ("queued", "active", "scheduled", "error")
    }
    assert "lease lost" not in log_text
    assert not redis_client.exists(lock_key)  # released after the settle


#: The producer of the task below (set by the test: the task runs in-process).
PRODUCER: list[TaskTiger] = []
ENQUEUED: list[str] = []


def enqueue_while_beaten(seconds: float) -> None:
    """Enqueue on the worker's own instance for ``seconds``, as fast as it goes."""
    tiger = PRODUCER[0]
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ENQUEUED.append(tiger.delay(lock_tasks.runs, args=["x"], queue="side").id)


@pytest.mark.timeout(60)
def test_heartbeat_thread_and_task_share_the_store_safely(
    redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sync task enqueuing on the worker's instance while its thread beats."""
    config = {**SHORT_LEASE, "ACTIVE_TASK_UPDATE_TIMER": 0.001, "STATS_INTERVAL": 0}
    tiger = TaskTiger(connection=redis_client, config=config)
    PRODUCER[:] = [tiger]
    ENQUEUED.clear()
    borrowed: list[int] = []
    borrow = CommandLane._borrowed

    def spy(lane: CommandLane, packed: bytes, raw: bool) -> Any:
        borrowed.append(1)
        return borrow(lane, packed, raw)

    monkeypatch.setattr(CommandLane, "_borrowed", spy)
    task = tiger.delay(enqueue_while_beaten, args=[1.0], queue=QUEUE, lock=True)
    previous = bound_host()
    try:
        with capture_logs() as logs:
            Worker(tiger, queues=[QUEUE], executor="sync").run(once=True)
    finally:
        bind_host(previous)

    events = [entry["event"] for entry in logs]
    assert "heartbeat failed" not in events
    assert not [e for e in events if "lease lost" in e]
    assert borrowed  # the two threads did meet on the kept connection
    assert len(ENQUEUED) == len(set(ENQUEUED)) > 100
    assert len(ENQUEUED) == redis_client.zcard("t:queued:side")
    assert not redis_client.exists(f"t:task:{task.id}")
    assert 0 == redis_client.zcard(f"t:error:{QUEUE}")
