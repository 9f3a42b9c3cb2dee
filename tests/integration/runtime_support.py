"""Helpers of the worker-runtime integration tests: launch, wait, read records."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
#: Small timeouts so that recovery happens within seconds.
FAST = {
    "SELECT_TIMEOUT": 0.2,
    "QUEUE_SCHEDULED_TASKS_TIME": 0.2,
    "ACTIVE_TASK_UPDATE_TIMER": 0.5,
    "ACTIVE_TASK_UPDATE_TIMEOUT": 2,
    "REQUEUE_EXPIRED_TASKS_INTERVAL": 1,
    "STATS_INTERVAL": 0,
}


def child_env(records: Path) -> dict[str, str]:
    """The environment of a worker process: the repo importable, records path set."""
    paths = [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(paths),
        "TIGER_TEST_RECORDS": str(records),
    }


@contextmanager
def workers(
    url: str, records: Path, logs: Path, *, count: int = 1, **options: Any
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Run ``count`` workers (each in its own process group); kill them after."""
    started: list[subprocess.Popen[bytes]] = []
    try:
        for number in range(count):
            started.append(
                start_worker(url, records, logs, f"worker{number}", **options)
            )
        yield started
    finally:
        for process in started:
            stop(process)


def start_worker(
    url: str, records: Path, logs: Path, name: str, **options: Any
) -> subprocess.Popen[bytes]:
    """Start one more worker (the caller stops it); logs to ``logs/<name>.log``."""
    config = options.get("config", FAST)
    argv = [sys.executable, "-m", "tests.worker_launcher", url, json.dumps(config)]
    argv += [options.get("queues", "q"), options.get("executor", "fork")]
    with (logs / f"{name}.log").open("wb") as out:
        return subprocess.Popen(
            argv,
            cwd=REPO,
            env=child_env(records),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL a worker's whole process group and reap it."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def read(records: Path) -> list[dict[str, Any]]:
    """The JSON lines recorded by the tasks so far."""
    if not records.exists():
        return []
    return [json.loads(line) for line in records.read_text().splitlines() if line]


def wait_for(
    condition: Callable[[], bool], what: str, logs: Path, timeout: float = 20.0
) -> float:
    """Poll ``condition``; return the seconds it took, or fail showing the logs."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            tails = "\n".join(
                f"--- {log.name}\n{log.read_text(errors='replace')[-2000:]}"
                for log in sorted(logs.glob("*.log"))
            )
            pytest.fail(f"timed out waiting for {what}:\n{tails}")
        time.sleep(0.05)
    return time.monotonic() - start
