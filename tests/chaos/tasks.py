"""Task functions of the chaos tests, registered on a lazily initialised TaskTiger.

:mod:`tests.chaos.launcher` initialises :data:`tiger` in each worker process; the
tests enqueue through their own producer instance. Every execution is recorded by
:mod:`tests.chaos.recorder` (``start`` before the work, ``end`` after it).
"""

from __future__ import annotations

import os
import signal
import time

from tests.chaos.recorder import record
from tiger_adapters.compat import TaskTiger

tiger = TaskTiger(lazy_init=True)


@tiger.task
def work(key: str, seconds: float = 0.0, group: str = "") -> None:
    """Record the start, sleep ``seconds``, record the end."""
    start = time.monotonic()
    record("start", key, group=group, t=start)
    time.sleep(seconds)
    record("end", key, group=group, started=start)


@tiger.task
def poison(key: str) -> None:
    """Record the start, then die by SIGKILL (a child that always crashes)."""
    record("start", key)
    os.kill(os.getpid(), signal.SIGKILL)


@tiger.task
def fail(key: str) -> None:
    """Record the start, then raise (an ordinary failing task)."""
    record("start", key)
    raise ValueError(f"chaos failure {key}")
