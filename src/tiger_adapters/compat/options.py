"""Reading task options from ``@task`` attributes and ``delay`` arguments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from types import FunctionType
from typing import Any

from tiger_core.config import TigerConfig
from tiger_core.functions import serialize_func_name
from tiger_core.policies.retry import RetryOption, retry_from_option
from tiger_core.services.enqueue import TaskBlueprint, prepare_task
from tiger_core.services.options import TaskOptions

#: The option names, each stored on a decorated function as ``_task_<name>``.
OPTION_NAMES = (
    "queue",
    "hard_timeout",
    "unique",
    "unique_key",
    "lock",
    "lock_key",
    "retry",
    "retry_on",
    "retry_method",
    "max_queue_size",
    "max_stored_executions",
    "runner_class",
)


def make_options(**values: Any) -> TaskOptions:
    """Build TaskOptions from user-facing values (classes, callables, sequences).

    Raises:
        pydantic.ValidationError: a value is invalid; the message names the option.
    """
    values = {key: value for key, value in values.items() if value is not None}
    if not values.get("max_queue_size"):  # 0 means "no limit", as in TaskTiger
        values.pop("max_queue_size", None)
    if "retry_on" in values:
        values["retry_on"] = tuple(_exception_path(e) for e in values["retry_on"])
    if "retry_method" in values:
        method: RetryOption = values["retry_method"]
        values["retry_method"] = retry_from_option(method)
    if "runner_class" in values and not isinstance(values["runner_class"], str):
        values["runner_class"] = serialize_func_name(values["runner_class"])
    for key in ("unique_key", "lock_key"):
        if key in values and not isinstance(values[key], str):
            values[key] = tuple(values[key])
    return TaskOptions.model_validate(values)


def _exception_path(exc: type[BaseException] | str) -> str:
    return exc if isinstance(exc, str) else serialize_func_name(exc)


def function_options(func: Callable[..., Any]) -> TaskOptions:
    """Return the options that ``@task`` stored on ``func`` (none for plain ones).

    Read from the ``_task_<option>`` attributes, so a function decorated by
    TaskTiger's own ``@tiger.task`` works too.
    """
    stored = getattr(func, "_task_options", None)
    if isinstance(stored, TaskOptions):
        return stored
    values = _task_attributes(func)
    try:  # the same attribute values always give the same (frozen) options
        return _OPTIONS_CACHE[(func, values)]
    except TypeError:  # an unhashable attribute value (a list): build them
        return make_options(**dict(zip(OPTION_NAMES, values, strict=True)))
    except KeyError:
        pass
    options = make_options(**dict(zip(OPTION_NAMES, values, strict=True)))
    if len(_OPTIONS_CACHE) >= _OPTIONS_CACHE_SIZE:
        _OPTIONS_CACHE.clear()
    _OPTIONS_CACHE[(func, values)] = options
    return options


#: ``function_options`` by (function, its ``_task_*`` values): the enqueue hot path.
_OPTIONS_CACHE: dict[tuple[Any, tuple[Any, ...]], TaskOptions] = {}
_OPTIONS_CACHE_SIZE = 1024
_ATTRIBUTES = tuple(f"_task_{name}" for name in OPTION_NAMES)
_UNSET = (None,) * len(OPTION_NAMES)


def _task_attributes(func: Callable[..., Any]) -> tuple[Any, ...]:
    """The ``_task_<option>`` attribute values of ``func`` (None where absent)."""
    if type(func) is FunctionType:  # no class attribute can shadow its dict
        found = func.__dict__
        return tuple([found.get(name) for name in _ATTRIBUTES]) if found else _UNSET
    return tuple([getattr(func, name, None) for name in _ATTRIBUTES])


def task_blueprint(
    func: Callable[..., Any],
    queue: str,
    options: Mapping[str, Any],
    config: TigerConfig,
) -> TaskBlueprint:
    """Return what every task of ``func`` queued with ``options`` shares.

    The call's options win over the decorator's, and a decorator's
    ``hard_timeout`` is not stored (as in TaskTiger, the worker reads it from the
    function). The result is cached for plain functions whose options are simple
    values (strings, numbers, booleans, tuples or lists of strings or classes),
    keyed by their exact types and values, and used only while the function's
    options and ``config`` are the same objects; anything else is resolved again.

    Raises:
        pydantic.ValidationError: an option is invalid.
        ValueError: the queue name is invalid, or ``func`` is not importable by
            name (``__main__``, a local function).
    """
    key = _blueprint_key(func, queue, options)
    if key is not None:
        entry = _BLUEPRINTS.get(key)
        if entry and entry[0] is function_options(func) and entry[1] is config:
            return entry[2]
    explicit = make_options(queue=queue, **options)
    decorated = function_options(func)
    resolved = explicit.merged_over(decorated)
    stored = resolved.model_copy(update={"hard_timeout": explicit.hard_timeout})
    blueprint = prepare_task(serialize_func_name(func), stored, config)
    if key is not None:
        if len(_BLUEPRINTS) >= _OPTIONS_CACHE_SIZE:
            _BLUEPRINTS.clear()
        _BLUEPRINTS[key] = (decorated, config, blueprint)
    return blueprint


#: ``task_blueprint`` by call key: (function options, config, blueprint).
_BLUEPRINTS: dict[tuple[Any, ...], tuple[TaskOptions, TigerConfig, TaskBlueprint]] = {}
_SCALARS = frozenset({str, int, bool, type(None)})
_UNCACHED = object()


def _blueprint_key(
    func: Callable[..., Any], queue: str, options: Mapping[str, Any]
) -> tuple[Any, ...] | None:
    """The cache key of a call, or None when it must not be cached."""
    if type(func) is not FunctionType or type(queue) is not str:
        return None
    parts: list[Any] = [func, func.__module__, func.__qualname__, queue]
    for name, value in options.items():
        part = _key_part(value)
        if part is _UNCACHED:
            return None
        parts.append((name, part))
    return tuple(parts)


def _key_part(value: Any) -> Any:
    """An exact, hashable stand-in for an option value (or ``_UNCACHED``).

    Types are part of it, since ``1 == 1.0 == True`` but their JSON differs;
    floats go by ``repr`` (``-0.0`` and ``nan``).
    """
    kind = type(value)
    if kind in _SCALARS:
        return (kind, value)
    if kind is float:
        return (kind, repr(value))
    if (kind is tuple or kind is list) and all(
        type(item) is str or type(item) is type for item in value
    ):
        return (kind, tuple(value))
    return _UNCACHED


def exception_paths(classes: Iterable[type[BaseException]]) -> list[str]:
    """Return the ``module:qualname`` of each exception class."""
    return [serialize_func_name(cls) for cls in classes]


def when_to_epoch(when: dt.datetime | dt.timedelta | None, now: float) -> float | None:
    """Turn ``when`` into epoch seconds; a naive datetime is taken as UTC."""
    if when is None:
        return None
    if isinstance(when, dt.timedelta):
        return now + when.total_seconds()
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.timestamp()


def epoch_to_datetime(value: float | None) -> dt.datetime | None:
    """Return a naive UTC datetime, TaskTiger's representation of times."""
    if value is None:
        return None
    return dt.datetime.fromtimestamp(value, tz=dt.UTC).replace(tzinfo=None)
