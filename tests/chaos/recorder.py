"""The execution recorder: JSON lines in a file, outside the Redis under test.

Each task execution appends one line when it starts and one when it ends (task key,
pid, ``time.monotonic()`` — one clock for every process on the host). A line is one
``os.write`` on an ``O_APPEND`` descriptor, so concurrent writers never interleave.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

#: The environment variable naming the record file of the running test.
RECORDS_ENV = "TIGER_CHAOS_RECORDS"


def record(event: str, key: str, **fields: Any) -> None:
    """Append ``{"event", "key", "pid", "t", **fields}`` to the record file."""
    line = {"event": event, "key": key, "pid": os.getpid(), **fields}
    line.setdefault("t", time.monotonic())
    data = (json.dumps(line) + "\n").encode()
    fd = os.open(os.environ[RECORDS_ENV], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def read_records(path: Path) -> list[dict[str, Any]]:
    """Every complete line recorded so far (a torn last line is skipped)."""
    if not path.exists():
        return []
    lines = []
    for text in path.read_text().splitlines():
        try:
            lines.append(json.loads(text))
        except json.JSONDecodeError:
            continue
    return lines
