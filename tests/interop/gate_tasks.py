"""A task both Tiger and PyPI's TaskTiger run, held until the test releases it.

This module imports neither Tiger nor TaskTiger (stdlib only), so TaskTiger's
virtualenv can import it too.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path


def _append(records: str, event: str) -> None:
    line = json.dumps({"event": event, "pid": os.getpid(), "t": time.monotonic()})
    with open(records, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def gate(records: str, release: str, timeout: float = 30) -> None:
    """Record the start, wait until ``<release>/<pid>`` exists, record the end.

    Raises:
        TimeoutError: the test did not release this execution within ``timeout``.
    """
    _append(records, "start")
    flag = Path(release) / str(os.getpid())
    deadline = time.monotonic() + timeout
    while not flag.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{flag} never appeared")
        time.sleep(0.01)
    _append(records, "end")


def read(records: Path) -> list[dict[str, object]]:
    """The records written so far."""
    if not records.exists():
        return []
    return [json.loads(line) for line in records.read_text().splitlines()]
