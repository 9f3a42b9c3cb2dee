"""Task locks and queue limits across real worker processes on real Redis."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis
from redis.lock import Lock

from tests import lock_tasks
from tests.integration.test_worker_e2e import logged_process
from tiger_adapters.compat import TaskTiger
from tiger_core.identity import unique_task_id

#: How long any wait may take before the test fails.
DEADLINE_S = 20.0
#: Short intervals so that the heartbeat renews locks and slots during the tests.
CONFIG = {"LOCK_RETRY": 0.2, "ACTIVE_TASK_UPDATE_TIMER": 0.2}

_WORKER = """
import json, sys
import redis
from tiger_adapters.compat import TaskTiger, Worker
import tests.lock_tasks

url, queues, config, limit = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
tiger = TaskTiger(
    connection=redis.Redis.from_url(url, decode_responses=True),
    config=json.loads(config),
    setup_structlog=True,
)
Worker(
    tiger, queues=queues.split(","), max_workers_per_queue=json.loads(limit)
).run()
"""


@contextmanager
def worker(
    url: str,
    log: Path,
    queues: str,
    *,
    limit: int | None = None,
    config: dict[str, Any] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a fork worker in a subprocess; it is always killed afterwards."""
    args = [url, queues, json.dumps({**CONFIG, **(config or {})}), json.dumps(limit)]
    with logged_process([sys.executable, "-c", _WORKER, *args], log) as process:
        yield process


def wait_for(condition: Callable[[], bool], what: str, *logs: Path) -> None:
    """Poll ``condition`` until it holds; fail after DEADLINE_S showing the logs."""
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        if time.monotonic() > deadline:
            tails = "\n".join(p.read_text(errors="replace")[-2000:] for p in logs)
            pytest.fail(f"timed out waiting for {what}; worker logs:\n{tails}")
        time.sleep(0.05)


def overlaps(runs: list[list[Any]]) -> list[tuple[str, str]]:
    """Return the pairs of runs whose [start, end] intervals intersect."""
    ordered = sorted(runs, key=lambda run: run[1])
    return [(a[0], b[0]) for a, b in itertools.pairwise(ordered) if b[1] < a[2]]


@pytest.fixture
def tiger(redis_client: redis.Redis) -> TaskTiger:
    """A producer on the flushed test database."""
    return TaskTiger(connection=redis_client, config=CONFIG)


@pytest.mark.timeout(60)
def test_a_locked_twin_waits_for_the_running_task(
    redis_url: str, tiger: TaskTiger, tmp_path: Path
) -> None:
    """Two workers: the twin sharing a lock is deferred, then runs after the first."""
    path = str(tmp_path / "runs")
    logs = [tmp_path / "w1.log", tmp_path / "w2.log"]
    with ExitStack() as stack:
        for log in logs:
            stack.enter_context(worker(redis_url, log, "locks"))
        tiger.delay(
            lock_tasks.timed,
            args=[path, "a", 1.5],
            kwargs={"user": 1},
            queue="locks",
            lock_key=["user"],
        )
        wait_for(lambda: lock_tasks.started(path) == ["a"], "task a to start", *logs)
        tiger.delay(
            lock_tasks.timed,
            args=[path, "b", 0.1],
            kwargs={"user": 1},
            queue="locks",
            lock_key=["user"],
        )
        wait_for(lambda: len(lock_tasks.runs(path)) == 2, "both tasks", *logs)

    text = "".join(log.read_text() for log in logs)
    assert "could not acquire lock" in text
    assert [] == overlaps(lock_tasks.runs(path))
    assert ["a", "b"] == [run[0] for run in lock_tasks.runs(path)]


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("queue", "limit", "config"),
    [
        ("limited", 1, {}),
        ("swq.sub", None, {"SINGLE_WORKER_QUEUES": ["swq"]}),
    ],
    ids=["max-workers-per-queue", "single-worker-queues"],
)
def test_limited_queue_never_runs_two_tasks_at_once(
    redis_url: str,
    tiger: TaskTiger,
    tmp_path: Path,
    queue: str,
    limit: int | None,
    config: dict[str, Any],
) -> None:
    """With a limit of one worker, tasks of the queue run one after the other."""
    path = str(tmp_path / "runs")
    for label in "abcd":
        tiger.delay(lock_tasks.timed, args=[path, label, 0.3], queue=queue)
    logs = [tmp_path / "w1.log", tmp_path / "w2.log"]

    with ExitStack() as stack:
        for log in logs:
            stack.enter_context(
                worker(redis_url, log, queue, limit=limit, config=config)
            )
        wait_for(lambda: len(lock_tasks.runs(path)) == 4, "four tasks", *logs)

    assert [] == overlaps(lock_tasks.runs(path))


@pytest.mark.timeout(60)
def test_without_a_limit_two_workers_overlap(
    redis_url: str, tiger: TaskTiger, tmp_path: Path
) -> None:
    """The control: unlimited workers do run tasks of one queue at the same time."""
    path = str(tmp_path / "runs")
    for label in "ab":
        tiger.delay(lock_tasks.timed, args=[path, label, 1.5], queue="free")
    logs = [tmp_path / "w1.log", tmp_path / "w2.log"]

    with ExitStack() as stack:
        for log in logs:
            stack.enter_context(worker(redis_url, log, "free"))
        wait_for(lambda: len(lock_tasks.runs(path)) == 2, "two tasks", *logs)

    assert 1 == len(overlaps(lock_tasks.runs(path)))


@pytest.mark.timeout(60)
def test_a_paused_queue_waits_for_its_system_lock(
    redis_url: str, tiger: TaskTiger, tmp_path: Path
) -> None:
    """A limited worker starts no task of a paused queue before the pause ends."""
    path = str(tmp_path / "runs")
    tiger.set_queue_system_lock("paused", 2)
    until = tiger.get_queue_system_lock("paused")
    tiger.delay(lock_tasks.timed, args=[path, "a", 0], queue="paused")
    log = tmp_path / "w.log"

    with worker(redis_url, log, "paused", limit=2):
        wait_for(lambda: len(lock_tasks.runs(path)) == 1, "the task", log)

    assert until is not None
    assert lock_tasks.runs(path)[0][1] >= until


@pytest.mark.timeout(60)
def test_a_tasktiger_lock_blocks_tiger(
    redis_url: str, redis_client: redis.Redis, tiger: TaskTiger, tmp_path: Path
) -> None:
    """A lock a TaskTiger worker holds (redis-py Lock) keeps Tiger from running."""
    path = str(tmp_path / "runs")
    tiger.delay(lock_tasks.timed, args=[path, "a", 0], queue="tt", lock=True)
    lock_id = unique_task_id("tests.lock_tasks:timed", [path, "a", 0], {})
    held = Lock(redis_client, f"t:lockv2:{lock_id}", timeout=60, thread_local=False)
    assert held.acquire(blocking=False)
    log = tmp_path / "w.log"

    with worker(redis_url, log, "tt"):
        wait_for(lambda: "could not acquire lock" in log.read_text(), "a deferral", log)
        blocked = lock_tasks.runs(path)
        held.release()
        wait_for(lambda: len(lock_tasks.runs(path)) == 1, "the task", log)

    assert [] == blocked
