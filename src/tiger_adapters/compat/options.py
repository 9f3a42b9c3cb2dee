"""Reading task options from ``@task`` attributes and ``delay`` arguments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from tiger_core.functions import serialize_func_name
from tiger_core.policies.retry import RetryOption, retry_from_option
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
    values = tuple(getattr(func, f"_task_{name}", None) for name in OPTION_NAMES)
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
