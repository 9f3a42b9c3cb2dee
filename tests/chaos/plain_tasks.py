"""Task functions importable by Tiger and by PyPI's TaskTiger (its own venv).

This module imports neither Tiger nor TaskTiger (only the stdlib recorder), so a
TaskTiger worker started from ``.venv-tasktiger`` can run the same task as a Tiger
worker. Each execution is recorded like :func:`tests.chaos.tasks.work`.
"""

from __future__ import annotations

import time

from tests.chaos.recorder import record


def slow(key: str, seconds: float = 0.0) -> None:
    """Record the start, sleep ``seconds``, record the end."""
    start = time.monotonic()
    record("start", key, t=start)
    time.sleep(seconds)
    record("end", key, started=start)
