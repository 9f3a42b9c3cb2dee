"""MIX1, deterministic: a stale Tiger owner entry must not outlive a TaskTiger takeover.

A Tiger worker (in-process, sync executor, a frozen clock an hour behind, no
heartbeat during the test) claims a task and runs it; the task waits for the
test. To PyPI's TaskTiger 0.26.3 (its own venv, through ``tests.interop.driver``)
the claim is an hour old: its expiry scan requeues the task (retriable on
JobTimeoutException) and a TaskTiger worker runs it. TaskTiger's move leaves
``t:owner:<queue>`` naming the Tiger worker. Then the Tiger execution is released:
its success must be refused as a lost lease, leaving the payload and the active
entry to the TaskTiger worker, whose run then completes the task once.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import redis
from structlog.testing import capture_logs

from tests.clock import FrozenClock
from tests.interop.fleet import TaskTigerWorker, driver, tasktiger_python
from tests.interop.gate_tasks import gate, read
from tiger_adapters.compat import TaskTiger, Worker

#: Tiger never heartbeats during the test (as if paused) and never expires anything.
TIGER_CONFIG: dict[str, Any] = {
    "ACTIVE_TASK_UPDATE_TIMER": 3600,
    "ACTIVE_TASK_UPDATE_TIMEOUT": 7200,
    "REQUEUE_EXPIRED_TASKS_INTERVAL": 0,
    "SELECT_TIMEOUT": 0.1,
    "STATS_INTERVAL": 0,
}
#: TaskTiger heartbeats its own run and scans for expired tasks often.
TASKTIGER_CONFIG: dict[str, Any] = {
    "ACTIVE_TASK_UPDATE_TIMER": 0.2,
    "ACTIVE_TASK_UPDATE_TIMEOUT": 5,
    "REQUEUE_EXPIRED_TASKS_INTERVAL": 0.2,
    "SELECT_TIMEOUT": 0.1,
}
QUEUE = "mix"


def wait_start(records: Path, *, mine: bool, timeout: float = 20) -> dict[str, Any]:
    """The first start record of this process (``mine``) or of another one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in read(records):
            if line["event"] == "start" and (line["pid"] == os.getpid()) == mine:
                return line
        time.sleep(0.02)
    pytest.fail(f"no start record {'here' if mine else 'in TaskTiger'}")


def ended(records: Path, pid: object) -> bool:
    """Whether the execution in process ``pid`` recorded its end."""
    return any(r["event"] == "end" and r["pid"] == pid for r in read(records))


@pytest.mark.timeout(90)
def test_late_tiger_success_is_refused_after_a_tasktiger_takeover(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    """The payload survives Tiger's late settle; TaskTiger's run completes it."""
    tasktiger_python()
    records, release = tmp_path / "records.jsonl", tmp_path / "release"
    release.mkdir()
    task_id = driver(
        redis_url,
        "delay",
        func=f"{gate.__module__}:{gate.__name__}",
        args=[str(records), str(release)],
        queue=QUEUE,
        retry_on=["tasktiger.exceptions:JobTimeoutException"],
    )["id"]
    payload = f"t:task:{task_id}"
    clock = FrozenClock(time.time() - 3600)  # Tiger's claim is an hour old
    tiger = TaskTiger(connection=redis_client, config=TIGER_CONFIG, clock=clock)
    tasktiger = None
    try:
        with capture_logs() as logs:
            worker = Worker(tiger, queues=[QUEUE], executor="sync")
            runner = threading.Thread(
                target=worker.run, kwargs={"once": True}, daemon=True
            )
            runner.start()
            wait_start(records, mine=True)
            tasktiger = TaskTigerWorker(
                redis_url,
                queues=[QUEUE],
                config=TASKTIGER_CONFIG,
                seconds=1,
                log=tmp_path / "tasktiger.log",
            )
            theirs = wait_start(records, mine=False)
            (release / str(os.getpid())).touch()  # Tiger's execution ends late
            runner.join(timeout=20)
        assert not runner.is_alive(), "the Tiger worker did not return"
        payload_after_settle = redis_client.exists(payload)
        active_after_settle = redis_client.zscore(f"t:active:{QUEUE}", task_id)
        refused = [e for e in logs if e.get("event") == "lease lost"]
        (release / str(theirs["pid"])).touch()
        exit_code = tasktiger.wait(timeout=30)
        tasktiger_ended = ended(records, theirs["pid"])
    finally:
        if tasktiger is not None:
            tasktiger.kill()

    assert 1 == payload_after_settle, "Tiger's late settle deleted the payload"
    assert active_after_settle is not None, "Tiger's late settle left active"
    assert refused, "Tiger's late settle was not refused as a lost lease"
    assert 0 == exit_code
    assert tasktiger_ended
    assert 0 == redis_client.exists(payload)
    assert redis_client.zscore(f"t:error:{QUEUE}", task_id) is None
    assert redis_client.zscore(f"t:active:{QUEUE}", task_id) is None
