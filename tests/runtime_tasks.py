"""Tasks of the worker-runtime integration tests, on an app-style TaskTiger.

``tiger`` is created lazily; :mod:`tests.worker_launcher` calls ``tiger.init``
with the test's Redis URL and config. Records go to ``$TIGER_TEST_RECORDS``.
"""

from __future__ import annotations

import os
import time

from tests.sample_tasks import record
from tiger_adapters.compat import TaskTiger
from tiger_core.policies.schedule import periodic

tiger = TaskTiger(lazy_init=True)


def _records() -> str:
    return os.environ["TIGER_TEST_RECORDS"]


@tiger.task(schedule=periodic(seconds=1), queue="periodic")
def every_second() -> None:
    """Record the period this run was scheduled for."""
    scheduled_at = tiger.current_task.data.get("scheduled_at")
    record(_records(), {"period": scheduled_at, "pid": os.getpid()})


def slow(name: str, seconds: float) -> None:
    """Record the start, sleep, record the end (with the pid of the process)."""
    record(_records(), {"name": name, "event": "start", "pid": os.getpid()})
    time.sleep(seconds)
    record(_records(), {"name": name, "event": "end", "pid": os.getpid()})
