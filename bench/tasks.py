"""The benchmark's task: a no-op taking one small int, recording when it ran.

Every system runs this same function. When ``BENCH_TIMES_FILE`` is set, the task
appends ``<n> <start> <end>`` (wall-clock seconds) to that file, one short
``O_APPEND`` write, so that the drain rate and the pickup latency are measured
from inside the tasks, without the workers' interpreter start-up.
"""

from __future__ import annotations

import os
import time


def noop(n: int) -> None:
    """Do nothing with ``n`` but record the start and end times."""
    start = time.time()
    path = os.environ.get("BENCH_TIMES_FILE")
    if path:
        line = f"{n} {start!r} {time.time()!r}\n".encode()
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
