"""MIX1: a Tiger worker and a PyPI TaskTiger 0.26.3 worker share one Redis.

The Tiger worker (``tiger-worker``, fork executor) claims a 3 s task and its parent
is SIGSTOPped past its lease; its child runs on and finishes. TaskTiger's expiry
scan (its own ACTIVE_TASK_UPDATE_TIMEOUT) requeues the task and a TaskTiger worker
runs it; then the Tiger parent is SIGCONTinued and reports its child's success.
That late settle must be refused: the payload stays for the whole TaskTiger run.
"""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import redis

from tests.chaos.checker import Ledger, account, state_counts, wait_drained
from tests.chaos.conftest import WorkerFactory
from tests.chaos.figures import record_figures
from tests.chaos.plain_tasks import slow
from tests.chaos.processes import FAST
from tests.chaos.recorder import RECORDS_ENV, read_records
from tests.chaos.redis_server import RedisServer
from tests.chaos.test_worker_stop import wait_started
from tests.interop.fleet import TaskTigerWorker, driver, tasktiger_python

pytestmark = pytest.mark.chaos

#: TaskTiger's own lease and expiry scan, small: the task expires ~1 s after the stop.
TASKTIGER_CONFIG: dict[str, Any] = {
    "ACTIVE_TASK_UPDATE_TIMER": 0.2,
    "ACTIVE_TASK_UPDATE_TIMEOUT": 1.0,
    "REQUEUE_EXPIRED_TASKS_INTERVAL": 0.3,
    "SELECT_TIMEOUT": 0.2,
    "LOCK_RETRY": 0.2,
}
TASK_S = 3.0


def enqueue(url: str, ledger: Ledger) -> str:
    """Queue the 3 s task with TaskTiger, retriable on JobTimeoutException.

    TaskTiger's producer, as its expiry scan requeues a task only when its
    ``retry_on`` names a class TaskTiger can import (``tasktiger.exceptions``).
    """
    ledger.attempted += 1
    task_id: str = driver(
        url,
        "delay",
        func=f"{slow.__module__}:{slow.__name__}",
        kwargs={"key": "mix", "seconds": TASK_S},
        queue="mix",
        retry_on=["tasktiger.exceptions:JobTimeoutException"],
    )["id"]
    ledger.acknowledged["mix"] = task_id
    return task_id


def end_of(records: Path, pid: int) -> dict[str, Any] | None:
    """The end record written by process ``pid`` (None: not yet)."""
    ends = [r for r in read_records(records) if r["event"] == "end" and r["pid"] == pid]
    return ends[0] if ends else None


def wait_end(records: Path, pid: int, timeout: float) -> dict[str, Any] | None:
    """Wait up to ``timeout`` s for the end record of ``pid``."""
    deadline = time.monotonic() + timeout
    while (end := end_of(records, pid)) is None and time.monotonic() < deadline:
        time.sleep(0.02)
    return end


class PayloadWatch:
    """Samples ``EXISTS t:task:<id>`` every 10 ms until process ``pid`` ends it."""

    def __init__(self, client: redis.Redis, task_id: str, records: Path, pid: int):
        self.samples = self.missing = 0
        self.first_missing: float | None = None
        args = (client, f"t:task:{task_id}", records, pid)
        self.thread = threading.Thread(target=self._run, args=args, daemon=True)
        self.thread.start()

    def _run(self, client: redis.Redis, key: str, records: Path, pid: int) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            present = bool(client.exists(key))
            if end_of(records, pid) is not None:  # the run ended: stop sampling
                return
            self.samples += 1
            if not present:
                self.missing += 1
                self.first_missing = self.first_missing or time.monotonic()
            time.sleep(0.01)


@pytest.mark.timeout(60)
def test_mix1_stale_tiger_owner_cannot_delete_under_tasktiger(
    server: RedisServer,
    make_worker: WorkerFactory,
    records: Path,
    ledger: Ledger,
    tmp_path: Path,
) -> None:
    """A paused Tiger worker's late success is refused; TaskTiger's run completes."""
    tasktiger_python()
    client = server.client()
    tiger = make_worker(server.url, queues="mix", config=FAST, cli="fork")
    task_id = enqueue(server.url, ledger)
    first = wait_started(records)[0]
    tiger.signal(signal.SIGSTOP)
    stopped = time.monotonic()
    other = TaskTigerWorker(
        server.url,
        queues=["mix"],
        config=TASKTIGER_CONFIG,
        seconds=TASK_S + 3,
        log=tmp_path / "tasktiger.log",
        env={RECORDS_ENV: str(records)},
    )
    try:
        second = wait_started(records, 2)[1]
        watch = PayloadWatch(client, task_id, records, second["pid"])
        tiger_end = wait_end(records, first["pid"], timeout=TASK_S + 2)
        time.sleep(0.2)
        tiger.signal(signal.SIGCONT)
        resumed = time.monotonic()
        tasktiger_end = wait_end(records, second["pid"], timeout=TASK_S + 5)
        watch.thread.join(timeout=10)
        exit_code = other.wait(timeout=15)
        drained = wait_drained(client, timeout=10)
        figures = account(ledger, records, client)
        counts = state_counts(client)
    finally:
        other.kill()
    deleted_after = (
        round(watch.first_missing - resumed, 3) if watch.first_missing else None
    )
    figures |= {
        "tiger_paused_s": round(resumed - stopped, 2),
        "tiger_run_completed": tiger_end is not None,
        "tasktiger_run_completed": tasktiger_end is not None,
        "tasktiger_worker_exit": exit_code,
        "payload_samples": watch.samples,
        "payload_missing_samples": watch.missing,
        "payload_deleted_after_resume_s": deleted_after,
        "tiger_settle_refused": tiger.log_text().count("lease lost"),
        "payload_left": int(client.exists(f"t:task:{task_id}")),
        "left_in_states": sum(counts.values()),
    }
    record_figures(
        "MIX1",
        "Tiger worker paused past its lease, task rerun by TaskTiger 0.26.3",
        **figures,
    )

    assert tasktiger_end is not None, "TaskTiger's run did not complete"
    assert watch.samples >= 50
    assert 0 == figures["payload_missing_samples"]
    assert figures["tiger_settle_refused"] >= 1
    assert drained is not None
    assert 0 == figures["errored"] == figures["stuck"] == figures["lost"]
    assert 0 == figures["payload_left"] == figures["left_in_states"]
