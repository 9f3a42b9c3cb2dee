"""Task functions shared by Tiger and TaskTiger in the interop tests.

This module imports neither Tiger nor TaskTiger, so both workers can import it.
"""

from __future__ import annotations

import json
import os
from typing import Any


def record(path: str, value: Any) -> None:
    """Append ``value`` and the running process's id as one JSON line."""
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"value": value, "pid": os.getpid()}) + "\n")


def fail(message: str) -> None:
    """Always raise ValueError."""
    raise ValueError(message)


def fail_with_key_error(message: str) -> None:
    """Always raise KeyError."""
    raise KeyError(message)
