"""Fixtures of the facade tests: a TaskTiger on the memory store with a fake clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tiger_adapters.compat import TaskTiger, Worker
from tiger_adapters.memory import MemoryTaskStore

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


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def tiger(clock: FakeClock) -> TaskTiger:
    return TaskTiger(store=MemoryTaskStore(), clock=clock)


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
