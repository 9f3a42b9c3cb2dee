"""Ports: what the core needs from the outside world, as small Protocols.

Each method's docstring states its atomicity and its errors. Every storage method
is atomic on its own: in Redis one Lua script or one read, in memory one critical
section. Time is always an argument (``now``, epoch seconds); no port reads a clock
except :class:`Clock` itself.
"""

from tiger_core.ports.locks import LockStore
from tiger_core.ports.runtime import (
    Clock,
    ErrorReporter,
    Executor,
    Persist,
    WorkSignal,
)
from tiger_core.ports.storage import TaskStore

__all__ = [
    "Clock",
    "ErrorReporter",
    "Executor",
    "LockStore",
    "Persist",
    "TaskStore",
    "WorkSignal",
]
