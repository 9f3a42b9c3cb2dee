"""Tiger and PyPI's TaskTiger 0.26.3 share one real Redis.

TaskTiger runs from its own virtualenv (it pins redis<5), driven through
``tests.interop.driver``; Tiger runs as the real ``tiger-worker`` or through its API.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis

from tests import interop_tasks
from tiger_adapters.compat import Task, TaskTiger, Worker
from tiger_core.identity import unique_task_id

ROOT = Path(__file__).resolve().parents[2]
TASKTIGER_PYTHON = Path(
    os.environ.get("TASKTIGER_PYTHON", ROOT / ".venv-tasktiger" / "bin" / "python")
)
FAST = {"ACTIVE_TASK_UPDATE_TIMER": 0.5, "LOCK_RETRY": 0.5}


@pytest.fixture(scope="module")
def tt_python() -> Path:
    """TaskTiger's interpreter; skip locally (fail in CI) when it is missing."""
    if not TASKTIGER_PYTHON.exists():
        reason = f"{TASKTIGER_PYTHON} not found: run `make tasktiger-venv`"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return TASKTIGER_PYTHON


def tasktiger(tt_python: Path, url: str, command: str, **spec: Any) -> Any:
    """Run one TaskTiger driver command and return its JSON answer."""
    result = subprocess.run(
        [str(tt_python), "-m", "tests.interop.driver", url, command, json.dumps(spec)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert 0 == result.returncode, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def tiger_worker(url: str, seconds: float = 3.0) -> None:
    """Run the real tiger-worker for about ``seconds``, then let it exit."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "tiger_cli",
            "--url",
            url,
            "-m",
            "tests.interop_tasks",
            "--exit-after",
            str(seconds / 60),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=60,
        check=True,
    )


def records(path: Path) -> list[Any]:
    """Values recorded by ``interop_tasks.record``."""
    if not path.exists():
        return []
    return [json.loads(line)["value"] for line in path.read_text().splitlines()]


def wait_for(check: Callable[[], bool], timeout: float = 15) -> None:
    """Poll until ``check()`` is true (bounded)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


@pytest.fixture
def tiger(redis_client: redis.Redis) -> TaskTiger:
    """Tiger's API on the shared Redis."""
    return TaskTiger(connection=redis_client, config=FAST)


def test_plain_task_from_tasktiger_runs_on_tiger_worker(
    tt_python: Path, redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    """A task queued by TaskTiger is executed by tiger-worker and leaves no keys."""
    out = tmp_path / "out"
    tasktiger(
        tt_python,
        redis_url,
        "delay",
        func="tests.interop_tasks:record",
        args=[str(out), "hello"],
        queue="iq",
    )

    tiger_worker(redis_url)

    assert ["hello"] == records(out)
    assert [] == redis_client.keys("t:task:*")


def test_unique_and_scheduled_tasks_from_tasktiger(
    tt_python: Path, redis_url: str, tmp_path: Path
) -> None:
    """A unique task queued twice by TaskTiger runs once; a scheduled one when due."""
    out = tmp_path / "out"
    for _ in range(2):
        tasktiger(
            tt_python,
            redis_url,
            "delay",
            func="tests.interop_tasks:record",
            args=[str(out), "unique"],
            queue="iq",
            unique=True,
        )
    tasktiger(
        tt_python,
        redis_url,
        "delay",
        func="tests.interop_tasks:record",
        args=[str(out), "later"],
        queue="iq",
        when_seconds=1,
    )

    tiger_worker(redis_url, seconds=3)

    assert ["later", "unique"] == sorted(records(out))


def test_retry_method_and_retry_on_from_tasktiger(
    tt_python: Path, redis_url: str, tiger: TaskTiger
) -> None:
    """TaskTiger's retry_method drives Tiger's retries; retry_on filters exceptions."""
    retried = tasktiger(
        tt_python,
        redis_url,
        "delay",
        func="tests.interop_tasks:fail",
        args=["again"],
        queue="iq",
        retry_method=["fixed", 1, 1],
    )["id"]
    filtered = tasktiger(
        tt_python,
        redis_url,
        "delay",
        func="tests.interop_tasks:fail",
        args=["no"],
        queue="iq",
        retry_method=["fixed", 1, 3],
        retry_on=["builtins:KeyError"],
    )["id"]

    tiger_worker(redis_url, seconds=3)

    assert 2 == Task.from_id(tiger, "iq", "error", retried).n_executions()
    assert 1 == Task.from_id(tiger, "iq", "error", filtered).n_executions()


def test_tiger_tasks_run_on_a_tasktiger_worker(
    tt_python: Path, redis_url: str, tiger: TaskTiger, tmp_path: Path
) -> None:
    """Tasks queued by Tiger (plain and retriable) are executed by TaskTiger."""
    out = tmp_path / "out"
    tiger.delay(interop_tasks.record, args=[str(out), "from tiger"], queue="iq")
    failing = tiger.delay(
        interop_tasks.fail, args=["x"], queue="iq", retry_on=[KeyError], retry=True
    )

    tasktiger(tt_python, redis_url, "work", queues=["iq"])

    assert ["from tiger"] == records(out)
    errors = tasktiger(tt_python, redis_url, "errors", queue="iq")
    assert [{"id": failing.id, "exception_name": "builtins:ValueError"}] == errors


def test_tasktiger_error_is_listed_retried_and_deleted_by_tiger(
    tt_python: Path, redis_url: str, redis_client: redis.Redis, tiger: TaskTiger
) -> None:
    """An error made by a TaskTiger worker is handled through Tiger's API."""
    task_id = tasktiger(
        tt_python,
        redis_url,
        "delay",
        func="tests.interop_tasks:fail",
        args=["tt"],
        queue="iq",
    )["id"]
    tasktiger(tt_python, redis_url, "work", queues=["iq"])

    total, errors = Task.tasks_from_queue(tiger, "iq", "error", load_executions=1)
    errors[0].retry()
    Worker(tiger, executor="sync").run(once=True)
    again = Task.from_id(tiger, "iq", "error", task_id, load_executions=5)
    again.delete()

    assert (1, task_id) == (total, errors[0].id)
    assert "builtins:ValueError" == errors[0].executions[0]["exception_name"]
    assert 2 == len(again.executions)
    assert [] == redis_client.keys("t:task:*") + redis_client.keys("t:error*")


def test_tiger_error_is_listed_retried_and_deleted_by_tasktiger(
    tt_python: Path, redis_url: str, redis_client: redis.Redis, tiger: TaskTiger
) -> None:
    """An error made by a Tiger worker is handled through TaskTiger's API."""
    task = tiger.delay(interop_tasks.fail, args=["tiger"], queue="iq")
    Worker(tiger, executor="sync").run(once=True)

    listed = tasktiger(tt_python, redis_url, "errors", queue="iq")
    tasktiger(tt_python, redis_url, "retry", queue="iq", id=task.id)
    tasktiger(tt_python, redis_url, "work", queues=["iq"])
    details = tasktiger(
        tt_python, redis_url, "get", queue="iq", state="error", id=task.id
    )
    tasktiger(tt_python, redis_url, "delete", queue="iq", id=task.id)

    assert [{"id": task.id, "exception_name": "builtins:ValueError"}] == listed
    assert 2 == len(details["executions"])
    assert [] == redis_client.keys("t:task:*")


def test_locked_task_from_tasktiger_waits_for_a_tasktiger_lock(
    tt_python: Path, redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    """A TaskTiger lock=True task waits in tiger-worker while its lock is held."""
    out = tmp_path / "out"
    args = [str(out), "locked"]
    tasktiger(
        tt_python,
        redis_url,
        "delay",
        func="tests.interop_tasks:record",
        args=args,
        queue="iq",
        lock=True,
    )
    lock_id = unique_task_id("tests.interop_tasks:record", args, {})
    held = redis_client.lock(f"t:lockv2:{lock_id}", timeout=30)
    assert held.acquire(blocking=False)

    tiger_worker(redis_url, seconds=2)
    deferred = records(out)
    held.release()
    tiger_worker(redis_url, seconds=3)

    assert [] == deferred
    assert ["locked"] == records(out)
