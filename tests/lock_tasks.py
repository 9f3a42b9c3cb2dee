"""Task functions of the lock and queue-limit tests: they log when they run."""

from __future__ import annotations

import json
import time
from typing import Any


def timed(path: str, label: str, seconds: float, user: int = 0) -> None:
    """Append ``[label, start, end]`` (epoch seconds) to ``path`` after sleeping."""
    start = time.time()
    with open(path + ".started", "a", encoding="utf-8") as handle:
        handle.write(json.dumps([label, start]) + "\n")
    time.sleep(seconds)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps([label, start, time.time()]) + "\n")


def runs(path: str) -> list[Any]:
    """Return the ``[label, start, end]`` entries written by :func:`timed`."""
    try:
        with open(path, encoding="utf-8") as handle:
            return [json.loads(line) for line in handle]
    except FileNotFoundError:
        return []


def started(path: str) -> list[str]:
    """Return the labels of :func:`timed` calls that have started."""
    return [label for label, _ in runs(path + ".started")]
