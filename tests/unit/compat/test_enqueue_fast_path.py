"""The enqueue fast path (cached blueprints, plain JSON) stores what the slow path did.

The reference below is the task building as it was before the fast path: options
validated on every call, the payload built by ``TaskData(...)`` and serialized
through pydantic (``to_wire``). Every spread of options must give the same bytes.
"""

from __future__ import annotations

import collections
import dataclasses
import enum
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pydantic
import pytest

from tests import sample_tasks
from tests.unit.compat.support import FakeClock
from tiger_adapters import codec
from tiger_adapters.compat import Task, TaskTiger, exponential, fixed, linear
from tiger_adapters.compat.options import function_options, make_options
from tiger_adapters.memory import MemoryTaskStore
from tiger_core.config import TigerConfig
from tiger_core.functions import serialize_func_name
from tiger_core.model.task import TaskData
from tiger_core.policies.unique import UniquePolicy
from tiger_core.services.options import TaskOptions


def reference_payload(
    tiger: TaskTiger,
    func: Callable[..., Any],
    args: Sequence[Any] | None,
    kwargs: Mapping[str, Any] | None,
    **options: Any,
) -> dict[str, Any]:
    """The payload the slow path built (Task.__init__ and build_task, pre-cache)."""
    queue = options.pop("queue", None) or Task.queue_from_function(func, tiger)
    explicit = make_options(queue=queue, **options)
    resolved = explicit.merged_over(function_options(func))
    stored = resolved.model_copy(update={"hard_timeout": explicit.hard_timeout})
    return _old_build(serialize_func_name(func), args, kwargs, stored, tiger.config)


def _old_build(
    func: str,
    args: Sequence[Any] | None,
    kwargs: Mapping[str, Any] | None,
    options: TaskOptions,
    config: TigerConfig,
) -> dict[str, Any]:
    call_args, call_kwargs = list(args or []), dict(kwargs or {})
    task_id = (
        UniquePolicy(keys=options.unique_key).task_id(func, call_args, call_kwargs)
        if options.is_unique
        else "random"
    )
    method = options.retry_method
    if method is None and options.is_retriable:
        method = config.DEFAULT_RETRY_METHOD

    def as_list(keys: Any) -> Any:
        return keys if keys is None or isinstance(keys, str) else list(keys)

    return TaskData(
        id=task_id,
        func=func,
        unique=True if options.is_unique else None,
        unique_key=as_list(options.unique_key),
        lock=True if (options.lock or options.lock_key) else None,
        lock_key=as_list(options.lock_key),
        args=call_args or None,
        kwargs=call_kwargs or None,
        hard_timeout=options.hard_timeout or None,
        retry_method=tuple(method.to_wire()) if method else None,
        retry_on=list(options.retry_on) if options.retry_on else None,
        max_queue_size=options.max_queue_size or None,
        max_stored_executions=options.max_stored_executions,
        runner_class=options.runner_class,
    ).to_wire()


def wire(task: Task) -> str:
    """The JSON the store writes for the task (random ids masked)."""
    data = task.data
    if not task.unique:
        data["id"] = "random"
    return json.dumps(data)


OPTION_SPREAD: list[dict[str, Any]] = [
    {},
    {"queue": "q"},
    {"queue": "a.b-c_d"},
    {"hard_timeout": 30},
    {"hard_timeout": 2.5},
    {"unique": True},
    {"unique": 1},
    {"unique_key": ("a",)},
    {"unique_key": ["a", "b"]},
    {"unique_key": "ab"},
    {"lock": True},
    {"lock_key": ("a",)},
    {"lock_key": "a"},
    {"retry": True},
    {"retry": True, "retry_method": fixed(5, 3)},
    {"retry_method": linear(1, 2, 3)},
    {"retry_method": exponential(1, 2, 3)},
    {"retry_on": (ValueError, KeyError)},
    {"retry_on": [ValueError]},
    {"retry_on": ["builtins:ValueError"]},
    {"max_queue_size": 3},
    {"max_queue_size": 0},
    {"max_stored_executions": 0},
    {"max_stored_executions": 5},
    {"runner_class": "tests.sample_tasks:PlainHost"},
    {"runner_class": sample_tasks.PlainHost},
    {"queue": "q", "unique": True, "lock": True, "retry": True, "hard_timeout": 9},
]

CALLS: list[tuple[list[Any] | None, dict[str, Any] | None]] = [
    (None, None),
    ([1, 2], None),
    (None, {"a": 1, "b": [1, 2]}),
    ([1.5, "x", None, True], {"a": {"z": 1, "y": 2}}),
]


@pytest.fixture
def tiger() -> TaskTiger:
    return TaskTiger(store=MemoryTaskStore(), clock=FakeClock())


@pytest.mark.parametrize("options", OPTION_SPREAD)
@pytest.mark.parametrize(("args", "kwargs"), CALLS)
def test_a_cached_blueprint_builds_the_slow_paths_payload(
    tiger: TaskTiger,
    options: dict[str, Any],
    args: list[Any] | None,
    kwargs: dict[str, Any] | None,
) -> None:
    """First call (resolves) and repeated calls (cached) give the reference bytes."""
    expected = reference_payload(
        tiger, sample_tasks.options_target, args, kwargs, **dict(options)
    )
    if not expected.get("unique"):
        expected["id"] = "random"

    payloads = [
        wire(Task(tiger, sample_tasks.options_target, args, kwargs, **dict(options)))
        for _ in range(3)
    ]

    assert [json.dumps(expected)] * 3 == payloads


@pytest.mark.parametrize("options", OPTION_SPREAD)
def test_delay_stores_the_reference_bytes(
    tiger: TaskTiger, options: dict[str, Any]
) -> None:
    """Through delay and the codec: the stored JSON is the reference JSON."""
    options = {**options, "unique": True}  # a known id, to compare whole payloads
    limit = options.pop("max_queue_size", None)
    expected = reference_payload(tiger, sample_tasks.add, [1, 2], None, **options)
    now = tiger.clock.now()
    expected.update(time_last_queued=now, scheduled_at=now)

    for _ in range(2):
        task = tiger.delay(
            sample_tasks.add, args=[1, 2], max_queue_size=limit, **options
        )

        assert json.dumps(expected) == codec.encode_task(task._data)
        assert task.data == expected


def test_equal_option_values_of_other_types_are_not_confused(tiger: TaskTiger) -> None:
    """``1 == 1.0 == True``, but hard_timeout 1 and 1.0 are stored as written."""
    stored = [
        Task(tiger, sample_tasks.add, hard_timeout=value).data["hard_timeout"]
        for value in (1, 1.0, 1, 1.0)
    ]

    assert ["1", "1.0", "1", "1.0"] == [json.dumps(value) for value in stored]


def test_changed_function_attributes_are_seen(tiger: TaskTiger) -> None:
    """TaskTiger-style ``_task_*`` attributes set between calls take effect."""

    def target() -> None: ...

    target.__module__, target.__qualname__ = "tests.sample_tasks", "moving_target"
    before = Task(tiger, target)
    target._task_unique = True  # type: ignore[attr-defined]
    target._task_queue = "other"  # type: ignore[attr-defined]
    after = Task(tiger, target)
    target.__qualname__ = "renamed"
    renamed = Task(tiger, target)

    assert (None, "default") == (before.data.get("unique"), before.queue)
    assert (True, "other") == (after.data.get("unique"), after.queue)
    assert "tests.sample_tasks:renamed" == renamed.serialized_func


def test_a_decorators_options_apply_and_its_hard_timeout_is_not_stored() -> None:
    """@tiger.task options apply on every call; a new config is seen."""
    tiger = TaskTiger(
        store=MemoryTaskStore(), config={"DEFAULT_RETRY_METHOD": fixed(1, 2)}
    )
    other = TaskTiger(
        store=MemoryTaskStore(), config={"DEFAULT_RETRY_METHOD": fixed(3, 4)}
    )

    @tiger.task(queue="deco", retry=True, hard_timeout=50)
    def decorated() -> None: ...

    decorated.__module__, decorated.__qualname__ = "tests.sample_tasks", "decorated"
    first, second = Task(tiger, decorated), Task(tiger, decorated)
    elsewhere = Task(other, decorated)

    assert first.data == {**second.data, "id": first.id}
    assert ("deco", None) == (first.queue, first.hard_timeout)
    assert ["tasktiger.retry:_fixed", [1, 2]] == list(first.data["retry_method"])
    assert ["tasktiger.retry:_fixed", [3, 4]] == list(elsewhere.data["retry_method"])


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"hard_timeout": -1}, pydantic.ValidationError),
        ({"queue": "bad:name"}, ValueError),
        ({"max_stored_executions": -1}, pydantic.ValidationError),
        ({"unique_key": [1]}, pydantic.ValidationError),
        ({"retry_method": "nope"}, Exception),
    ],
)
def test_bad_options_fail_the_same_way_every_time(
    tiger: TaskTiger, options: dict[str, Any], error: type[Exception]
) -> None:
    """Nothing is cached for a failed resolution: each call raises the same."""
    messages = []
    for _ in range(2):
        with pytest.raises(error) as raised:
            Task(tiger, sample_tasks.add, **options)
        messages.append(str(raised.value))

    assert messages[0] == messages[1]


def test_non_string_kwargs_keys_are_still_refused(tiger: TaskTiger) -> None:
    """The payload is still validated per call (TaskData: str keys)."""
    Task(tiger, sample_tasks.add, kwargs={"a": 1})

    with pytest.raises(pydantic.ValidationError):
        Task(tiger, sample_tasks.add, kwargs={1: 1})  # type: ignore[dict-item]


class Colour(enum.IntEnum):
    RED = 1


class Label(enum.StrEnum):
    A = "a"


@dataclasses.dataclass
class Point:
    x: int


Pair = collections.namedtuple("Pair", "a b")


@pytest.mark.parametrize(
    "value",
    [
        1,
        -0.0,
        float("nan"),
        float("inf"),
        10**30,
        True,
        None,
        "é\u2028\x00",
        Colour.RED,
        Label.A,
        (1, (2, [3])),
        Pair(1, 2),
        collections.OrderedDict(b=1, a=2),
        {1: 2, None: 3, 1.5: 4},
        [],
        {},
        Point(1),  # not JSON: pydantic's serializer converts it (the fallback)
    ],
)
def test_plain_json_equals_pydantics(value: Any) -> None:
    """encode_task's fast form gives to_wire's JSON, or falls back to it."""
    task = TaskData.model_validate(
        {"id": "x", "func": "m:f", "args": [value], "kwargs": {"k": value}, "zz": value}
    )

    assert json.dumps(task.to_wire()) == codec.encode_task(task)


def test_unserializable_arguments_fail_as_before() -> None:
    """Neither form can serialize it: the same TypeError naming the function."""
    task = TaskData(id="x", func="m:f", args=[object()])

    with pytest.raises(TypeError, match="arguments of m:f are not JSON-serializable"):
        codec.encode_task(task)


def test_circular_arguments_fail_as_before() -> None:
    """A cycle is reported as json.dumps reports it, not as a recursion error."""
    cycle: list[Any] = []
    cycle.append(cycle)
    task = TaskData(id="x", func="m:f", args=[1]).model_copy(update={"args": cycle})

    with pytest.raises(TypeError, match="Circular reference detected"):
        codec.encode_task(task)


def test_stamped_is_model_copy() -> None:
    """stamped() equals model_copy(update=...), fields set and extras included."""
    task = TaskData.model_validate({"id": "x", "func": "m:f", "args": [1], "zz": [2]})

    stamped = task.stamped(1.0, 2.0)
    copied = task.model_copy(update={"time_last_queued": 1.0, "scheduled_at": 2.0})

    assert copied == stamped
    assert copied.model_fields_set == stamped.model_fields_set
    assert copied.to_wire() == stamped.to_wire()
    assert task.time_last_queued is None  # the original is unchanged
    with pytest.raises(pydantic.ValidationError):
        stamped.id = "y"  # type: ignore[misc]
