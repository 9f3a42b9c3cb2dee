"""Facade test helpers: a fake clock, a sync drain and a reversible decorator."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from tiger_adapters.compat import TaskTiger, Worker

#: 2023-11-14 22:13:20 UTC, a round epoch to start the fake clock at.
START = 1_700_000_000.0


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: float = START) -> None:
        self.time = start

    def now(self) -> float:
        return self.time

    def advance(self, seconds: float) -> None:
        self.time += seconds


def drain(tiger: TaskTiger) -> None:
    """Run a sync worker until an iteration finds nothing due."""
    Worker(tiger, executor="sync").run(once=True)


@contextmanager
def decorated(
    tiger: TaskTiger, func: Callable[..., Any], **options: Any
) -> Iterator[Any]:
    """Apply ``@tiger.task(**options)`` to a shared function, undoing it afterwards."""
    saved = dict(func.__dict__)
    try:
        yield tiger.task(**options)(func)
    finally:
        func.__dict__.clear()
        func.__dict__.update(saved)
