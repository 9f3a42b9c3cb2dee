"""TaskTiger.delay_many: many tasks in one store write, each as delay stores it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tests import sample_tasks
from tests.unit.compat.support import drain
from tiger_adapters.compat import TaskTiger
from tiger_adapters.memory import MemoryTaskStore
from tiger_core.errors import QueueFullException


def test_delay_many_queues_every_call(tiger: TaskTiger, tmp_path: Path) -> None:
    """Every call is queued with its args and runs."""
    path = str(tmp_path / "out")
    calls = [{"func": sample_tasks.record, "args": [path, n]} for n in range(3)]

    tasks = tiger.delay_many(calls)
    drain(tiger)

    assert ["queued"] * 3 == [task.state for task in tasks]
    assert [0, 1, 2] == sorted(sample_tasks.read_records(path))


def test_delay_many_stores_what_delay_stores(tiger: TaskTiger) -> None:
    """A bulk task's payload equals the payload of the same delay call."""
    options: dict[str, Any] = {"queue": "q", "unique": True, "retry": True}
    single = tiger.delay(sample_tasks.add, args=[1, 2], **options)

    (bulk,) = tiger.delay_many([{"func": sample_tasks.add, "args": [1, 2], **options}])

    assert single.id == bulk.id
    assert single.data == bulk.data


def test_delay_many_schedules_calls_with_when(tiger: TaskTiger) -> None:
    """A call with ``when`` in the future is scheduled, the others queued."""
    calls = [
        {"func": sample_tasks.add, "args": [1, 1], "queue": "q"},
        {
            "func": sample_tasks.add,
            "args": [2, 2],
            "queue": "q",
            "when": dt.timedelta(minutes=5),
        },
    ]

    tasks = tiger.delay_many(calls)

    assert ["queued", "scheduled"] == [task.state for task in tasks]
    assert {"queued": 1, "scheduled": 1, "active": 0} == tiger.get_queue_sizes("q")


def test_delay_many_over_max_queue_size_queues_the_others(tiger: TaskTiger) -> None:
    """Calls beyond max_queue_size raise QueueFullException; the rest stay queued."""
    calls = [
        {"func": sample_tasks.add, "args": [n, n], "queue": "q", "max_queue_size": 2}
        for n in range(3)
    ]

    with pytest.raises(QueueFullException, match="1 of 3 tasks were not queued"):
        tiger.delay_many(calls)

    assert 2 == tiger.get_queue_sizes("q")["queued"]


def test_delay_many_needs_func(tiger: TaskTiger) -> None:
    """A call without func is a ValueError naming the problem."""
    with pytest.raises(ValueError, match="has no 'func'"):
        tiger.delay_many([{"args": [1]}])


def test_delay_many_runs_eagerly_with_always_eager(tmp_path: Path) -> None:
    """With ALWAYS_EAGER each call runs at once, as delay would run it."""
    tiger = TaskTiger(store=MemoryTaskStore(), config={"ALWAYS_EAGER": True})
    path = str(tmp_path / "out")

    tiger.delay_many([{"func": sample_tasks.record, "args": [path, 5]}])

    assert [5] == sample_tasks.read_records(path)
