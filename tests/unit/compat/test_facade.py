"""The TaskTiger facade over the memory store: queuing, options, JSON and loading."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from tests import sample_tasks
from tests.unit.compat.support import START, FakeClock, decorated, drain
from tiger_adapters.compat import Task, TaskNotFound, TaskTiger, fixed


def naive_utc(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC).replace(tzinfo=None)


def wire(data: dict[str, Any]) -> Any:
    """The task data as a JSON reader sees it (tuples become lists)."""
    return json.loads(json.dumps(data))


def sizes(tiger: TaskTiger, queue: str = "default") -> dict[str, int]:
    return tiger.get_queue_sizes(queue)


EMPTY = {"queued": 0, "scheduled": 0, "active": 0}


# -- delay and the worker --------------------------------------------------------


def test_delay_with_args_and_kwargs_runs_the_call(
    tiger: TaskTiger, tmp_path: Path
) -> None:
    """A delayed call is queued, then run with its args and kwargs, leaving nothing."""
    path = str(tmp_path / "out")
    task = tiger.delay(sample_tasks.record, args=[path], kwargs={"value": {"a": [1]}})
    queued = sizes(tiger)

    drain(tiger)

    assert task.state == "queued"
    assert queued == {"queued": 1, "scheduled": 0, "active": 0}
    assert sample_tasks.read_records(path) == [{"a": [1]}]
    assert sizes(tiger) == EMPTY


def test_decorator_stores_options_and_adds_delay(
    tiger: TaskTiger, tmp_path: Path
) -> None:
    """``@tiger.task(...)`` keeps options on the function; ``func.delay`` uses them."""
    path = str(tmp_path / "out")
    with decorated(
        tiger,
        sample_tasks.options_target,
        queue="q1",
        hard_timeout=7,
        retry_method=fixed(10, 2),
    ) as func:
        task = func.delay(path, value="x")
        drain(tiger)

        assert func._task_queue == "q1"
        assert func._task_hard_timeout == 7
        assert func._task_retry_method == fixed(10, 2)
    assert isinstance(task, Task)
    assert task.queue == "q1"
    assert wire(task.data)["retry_method"] == ["tasktiger.retry:_fixed", [10, 2]]
    assert sample_tasks.read_records(path) == ["x"]
    assert sizes(tiger, "q1") == EMPTY


def test_decorator_hard_timeout_is_not_stored(tiger: TaskTiger) -> None:
    """A decorator's hard_timeout stays on the function, out of the JSON (3.3)."""
    with decorated(tiger, sample_tasks.options_target, hard_timeout=7) as func:
        task = func.delay("unused", value=1)

    assert "hard_timeout" not in task.data


def test_delay_options_beat_the_decorators(tiger: TaskTiger) -> None:
    """Options given to delay override those of the decorator."""
    with decorated(
        tiger, sample_tasks.options_target, queue="q1", retry_method=fixed(10, 2)
    ) as func:
        task = tiger.delay(
            func, args=["p", 1], queue="q2", retry_method=fixed(1, 1), hard_timeout=3
        )

    assert task.queue == "q2"
    assert wire(task.data)["retry_method"] == ["tasktiger.retry:_fixed", [1, 1]]
    assert task.hard_timeout == 3
    assert sizes(tiger, "q1")["queued"] == 0
    assert sizes(tiger, "q2")["queued"] == 1


def test_unique_tasks_are_deduplicated(tiger: TaskTiger, tmp_path: Path) -> None:
    """Delaying the same unique call twice gives one id and one queued task."""
    path = str(tmp_path / "out")
    first = tiger.delay(sample_tasks.record, args=[path, 1], unique=True)
    second = tiger.delay(sample_tasks.record, args=[path, 1], unique=True)
    other = tiger.delay(sample_tasks.record, args=[path, 2], unique=True)
    queued = sizes(tiger)["queued"]

    drain(tiger)

    assert first.id == second.id != other.id
    assert queued == 2
    assert sorted(sample_tasks.read_records(path)) == [1, 2]


# -- scheduling --------------------------------------------------------------------


@pytest.mark.parametrize(
    "when",
    [
        dt.timedelta(seconds=30),
        naive_utc(START + 30),
        dt.datetime.fromtimestamp(START + 30, tz=dt.timezone(dt.timedelta(hours=-5))),
    ],
    ids=["timedelta", "naive-datetime", "aware-datetime"],
)
def test_when_schedules_then_runs_once_due(
    tiger: TaskTiger, clock: FakeClock, tmp_path: Path, when: Any
) -> None:
    """A task delayed with ``when`` waits in scheduled and runs once it is due."""
    path = str(tmp_path / "out")
    task = tiger.delay(sample_tasks.record, args=[path, "ran"], when=when)
    drain(tiger)
    before = sample_tasks.read_records(path)
    scheduled = sizes(tiger)
    clock.advance(30)

    drain(tiger)

    assert task.state == "scheduled"
    assert task.scheduled_at == naive_utc(START + 30)
    assert task.time_last_queued == naive_utc(START)
    assert before == []
    assert scheduled == {"queued": 0, "scheduled": 1, "active": 0}
    assert sample_tasks.read_records(path) == ["ran"]
    assert sizes(tiger) == EMPTY


def test_when_in_the_past_queues_at_once(tiger: TaskTiger) -> None:
    """A ``when`` that is already due puts the task straight into queued."""
    task = tiger.delay(sample_tasks.add, args=[1, 2], when=naive_utc(START - 10))

    assert task.state == "queued"
    assert sizes(tiger)["queued"] == 1


# -- the task JSON (compat 3.3) ------------------------------------------------------

STAMPS = ["time_last_queued", "scheduled_at"]


@pytest.mark.parametrize(
    ("args", "kwargs", "options", "keys"),
    [
        ([1], {"b": 2}, {}, ["id", "func", "args", "kwargs"]),
        ([], {}, {}, ["id", "func"]),
        ([1, 2], {}, {"unique": True}, ["id", "func", "unique", "args"]),
        (
            [],
            {"a": 1, "b": 2},
            {"unique_key": ("a",)},
            ["id", "func", "unique", "unique_key", "kwargs"],
        ),
        ([1, 2], {}, {"retry": True}, ["id", "func", "args", "retry_method"]),
        (
            [1, 2],
            {},
            {"retry_on": [ValueError]},
            ["id", "func", "args", "retry_method", "retry_on"],
        ),
        ([1, 2], {}, {"hard_timeout": 5}, ["id", "func", "args", "hard_timeout"]),
        (
            [1],
            {"b": 2},
            {"lock": True, "max_stored_executions": 0},
            ["id", "func", "lock", "args", "kwargs", "max_stored_executions"],
        ),
        ([1, 2], {}, {"max_queue_size": 5}, ["id", "func", "args"]),
    ],
    ids=[
        "plain",
        "no-args",
        "unique",
        "unique-key",
        "retry",
        "retry-on",
        "hard",
        "lock",
        "delay-max-queue-size",
    ],
)
def test_task_data_has_exactly_tasktigers_keys(
    tiger: TaskTiger,
    args: list[Any],
    kwargs: dict[str, Any],
    options: dict[str, Any],
    keys: list[str],
) -> None:
    """``Task.data`` holds exactly the applicable fields, in TaskTiger's order."""
    task = tiger.delay(sample_tasks.add, args=args, kwargs=kwargs, **options)

    assert list(task.data) == keys + STAMPS
    assert task.data["func"] == "tests.sample_tasks:add"
    assert task.data["time_last_queued"] == task.data["scheduled_at"] == START


def test_task_data_values_of_a_retriable_unique_task(tiger: TaskTiger) -> None:
    """Values are stored in TaskTiger's shapes: true flags, lists, class paths."""
    task = tiger.delay(
        sample_tasks.add,
        args=(1, 2),
        unique=True,
        retry_on=[ValueError, KeyError],
    )

    assert wire(task.data) == {
        "id": task.id,
        "func": "tests.sample_tasks:add",
        "unique": True,
        "args": [1, 2],
        "retry_method": ["tasktiger.retry:_fixed", [60, 3]],
        "retry_on": ["builtins:ValueError", "builtins:KeyError"],
        "time_last_queued": START,
        "scheduled_at": START,
    }
    assert len(task.id) == 64


# -- loading -----------------------------------------------------------------------


def test_from_id_loads_the_stored_task(tiger: TaskTiger) -> None:
    """``Task.from_id`` returns the task with its payload, state and score."""
    delayed = tiger.delay(sample_tasks.add, args=[1, 2], queue="q")

    loaded = Task.from_id(tiger, "q", "queued", delayed.id)

    assert loaded.id == delayed.id
    assert loaded.data == delayed.data
    assert loaded.state == "queued"
    assert loaded.args == [1, 2]
    assert loaded.ts == naive_utc(START)
    assert loaded.executions == []


def test_from_id_of_an_unknown_task_raises(tiger: TaskTiger) -> None:
    """``Task.from_id`` raises TaskNotFound naming the id, queue and state."""
    task = tiger.delay(sample_tasks.add, args=[1, 2], queue="q")

    with pytest.raises(TaskNotFound) as excinfo:
        Task.from_id(tiger, "q", "error", task.id)

    assert (
        str(excinfo.value) == f'Task {task.id} not found in queue "q" in state "error".'
    )


def test_tasks_from_queue_pages_oldest_first(
    tiger: TaskTiger, clock: FakeClock
) -> None:
    """``tasks_from_queue`` skips the newest ``skip``, returns ``limit``, ascending."""
    ids = []
    for n in range(5):
        ids.append(tiger.delay(sample_tasks.add, args=[n, n]).id)
        clock.advance(1)

    total, everything = Task.tasks_from_queue(tiger, "default", "queued")
    _, page = Task.tasks_from_queue(tiger, "default", "queued", skip=1, limit=2)
    _, past_end = Task.tasks_from_queue(tiger, "default", "queued", skip=5)

    assert total == 5
    assert [t.id for t in everything] == ids
    assert [t.id for t in page] == ids[2:4]
    assert [t.ts for t in page] == [naive_utc(START + 2), naive_utc(START + 3)]
    assert past_end == []


def test_tasks_from_queue_loads_executions_on_request(tiger: TaskTiger) -> None:
    """With ``load_executions`` each errored task comes with its newest records."""
    for message in ("one", "two"):
        tiger.delay(sample_tasks.fail, args=[message])
    drain(tiger)

    total, bare = Task.tasks_from_queue(tiger, "default", "error")
    _, loaded = Task.tasks_from_queue(tiger, "default", "error", load_executions=1)

    assert total == 2
    assert [t.executions for t in bare] == [[], []]
    assert [len(t.executions) for t in loaded] == [1, 1]
    assert {t.args[0] for t in loaded} == {"one", "two"}
    assert all(
        t.executions[0]["exception_name"] == "builtins:ValueError" for t in loaded
    )
