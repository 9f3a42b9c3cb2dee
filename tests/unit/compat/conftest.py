"""Fixtures of the facade tests: a TaskTiger on the memory store with a fake clock."""

from __future__ import annotations

import pytest

from tests.unit.compat.support import FakeClock
from tiger_adapters.compat import TaskTiger
from tiger_adapters.memory import MemoryTaskStore


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def tiger(clock: FakeClock) -> TaskTiger:
    return TaskTiger(store=MemoryTaskStore(), clock=clock)
