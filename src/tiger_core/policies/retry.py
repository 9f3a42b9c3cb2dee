"""Retry policies: value objects that say how long to wait before the next attempt.

A policy's ``next_delay(attempt)`` is a pure function: ``attempt`` is the number of
failed executions so far (1 after the first failure) and the result is a delay in
seconds, or None to give up and move the task to the error state.

On the wire a policy is TaskTiger's ``[path, [args...]]`` pair, so that a TaskTiger
worker can run tasks queued by Tiger and the reverse. The built-in policies are
written under TaskTiger's paths (``tasktiger.retry:_fixed`` and so on).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tiger_core.errors import StopRetry
from tiger_core.functions import (
    import_attribute,
    import_exception_class,
    serialize_func_name,
)


class _Policy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FixedRetry(_Policy):
    """Wait ``delay`` seconds between attempts, at most ``max_retries`` retries."""

    kind: Literal["fixed"] = "fixed"
    delay: int | float = Field(ge=0)
    max_retries: int = Field(ge=0)

    def next_delay(self, attempt: int) -> float | None:
        """Return the wait before retry number ``attempt``, or None to give up."""
        return None if attempt > self.max_retries else self.delay

    def to_wire(self) -> list[Any]:
        """Return TaskTiger's serialized form."""
        return ["tasktiger.retry:_fixed", [self.delay, self.max_retries]]


class LinearRetry(_Policy):
    """Wait ``delay + increment * (attempt - 1)`` seconds."""

    kind: Literal["linear"] = "linear"
    delay: int | float = Field(ge=0)
    increment: int | float
    max_retries: int = Field(ge=0)

    def next_delay(self, attempt: int) -> float | None:
        """Return the wait before retry number ``attempt``, or None to give up."""
        if attempt > self.max_retries:
            return None
        return self.delay + self.increment * (attempt - 1)

    def to_wire(self) -> list[Any]:
        """Return TaskTiger's serialized form."""
        return [
            "tasktiger.retry:_linear",
            [self.delay, self.increment, self.max_retries],
        ]


class ExponentialRetry(_Policy):
    """Wait ``delay * factor ** (attempt - 1)`` seconds."""

    kind: Literal["exponential"] = "exponential"
    delay: int | float = Field(ge=0)
    factor: int | float = Field(gt=0)
    max_retries: int = Field(ge=0)

    def next_delay(self, attempt: int) -> float | None:
        """Return the wait before retry number ``attempt``, or None to give up."""
        if attempt > self.max_retries:
            return None
        return float(self.delay * self.factor ** (attempt - 1))

    def to_wire(self) -> list[Any]:
        """Return TaskTiger's serialized form."""
        return [
            "tasktiger.retry:_exponential",
            [self.delay, self.factor, self.max_retries],
        ]


class CustomRetry(_Policy):
    """A user function ``f(attempt, *args) -> seconds`` that may raise StopRetry.

    Attributes:
        path: the ``module:qualname`` of the function.
        args: the extra arguments passed after ``attempt``.
    """

    kind: Literal["custom"] = "custom"
    path: str
    args: tuple[Any, ...] = ()

    def next_delay(self, attempt: int) -> float | None:
        """Import and call the function; StopRetry means give up.

        Raises:
            TaskImportError: the function cannot be imported.
        """
        func = import_attribute(self.path)
        try:
            return float(func(attempt, *self.args))
        except StopRetry:
            return None

    def to_wire(self) -> list[Any]:
        """Return TaskTiger's serialized form."""
        return [self.path, list(self.args)]


RetryPolicy = Annotated[
    FixedRetry | LinearRetry | ExponentialRetry | CustomRetry,
    Field(discriminator="kind"),
]
"""Any retry policy."""


def fixed(delay: float, max_retries: int) -> FixedRetry:
    """Retry after ``delay`` seconds, at most ``max_retries`` times."""
    return FixedRetry(delay=delay, max_retries=max_retries)


def linear(delay: float, increment: float, max_retries: int) -> LinearRetry:
    """Retry after a delay that grows by ``increment`` each attempt."""
    return LinearRetry(delay=delay, increment=increment, max_retries=max_retries)


def exponential(delay: float, factor: float, max_retries: int) -> ExponentialRetry:
    """Retry after a delay multiplied by ``factor`` each attempt."""
    return ExponentialRetry(delay=delay, factor=factor, max_retries=max_retries)


def _fixed(retry: int, delay: float, max_retries: int) -> float:
    """TaskTiger's wire function for fixed retries (kept importable by path)."""
    result = FixedRetry(delay=delay, max_retries=max_retries).next_delay(retry)
    if result is None:
        raise StopRetry
    return result


def _linear(retry: int, delay: float, increment: float, max_retries: int) -> float:
    """TaskTiger's wire function for linear retries (kept importable by path)."""
    policy = LinearRetry(delay=delay, increment=increment, max_retries=max_retries)
    result = policy.next_delay(retry)
    if result is None:
        raise StopRetry
    return result


def _exponential(retry: int, delay: float, factor: float, max_retries: int) -> float:
    """TaskTiger's wire function for exponential retries (kept importable by path)."""
    policy = ExponentialRetry(delay=delay, factor=factor, max_retries=max_retries)
    result = policy.next_delay(retry)
    if result is None:
        raise StopRetry
    return result


_BUILTIN_PATHS: dict[str, type[FixedRetry | LinearRetry | ExponentialRetry]] = {
    "tasktiger.retry:_fixed": FixedRetry,
    "tasktiger.retry:_linear": LinearRetry,
    "tasktiger.retry:_exponential": ExponentialRetry,
    "tiger_core.policies.retry:_fixed": FixedRetry,
    "tiger_core.policies.retry:_linear": LinearRetry,
    "tiger_core.policies.retry:_exponential": ExponentialRetry,
}


def retry_from_wire(value: Sequence[Any]) -> RetryPolicy:
    """Read TaskTiger's ``[path, [args...]]`` form back into a policy.

    The three built-in paths become the matching value object; any other path is a
    :class:`CustomRetry`.

    Raises:
        ValueError: the value is not a ``[path, args]`` pair.
    """
    if len(value) != 2 or not isinstance(value[0], str):  # noqa: PLR2004 - a pair
        raise ValueError(f"retry_method must be [path, [args...]], got {value!r}")
    path, args = value[0], list(value[1] or [])
    builtin = _BUILTIN_PATHS.get(path)
    if builtin is FixedRetry:
        return FixedRetry(delay=args[0], max_retries=args[1])
    if builtin is LinearRetry:
        return LinearRetry(delay=args[0], increment=args[1], max_retries=args[2])
    if builtin is ExponentialRetry:
        return ExponentialRetry(delay=args[0], factor=args[1], max_retries=args[2])
    return CustomRetry(path=path, args=tuple(args))


RetryOption = (
    FixedRetry
    | LinearRetry
    | ExponentialRetry
    | CustomRetry
    | Callable[..., float]
    | tuple[Callable[..., float], Sequence[Any]]
)
"""What users may pass as ``retry_method``: a policy, a function, or ``(f, args)``."""


def retry_from_option(option: RetryOption) -> RetryPolicy:
    """Normalise a user's ``retry_method`` into a policy value object.

    Raises:
        ValueError: the function is not importable by another process.
    """
    if isinstance(option, FixedRetry | LinearRetry | ExponentialRetry | CustomRetry):
        return option
    if isinstance(option, tuple):
        func, args = option
        return retry_from_wire([serialize_func_name(func), list(args)])
    return retry_from_wire([serialize_func_name(option), []])


def exception_matches(exception_name: str, retry_on: Sequence[str]) -> bool:
    """Whether a recorded exception is a subclass of any class named in ``retry_on``.

    Names that cannot be imported (or that TASK_MODULES refuses) are ignored, as
    TaskTiger ignores unimportable ones.
    """
    try:
        raised = import_exception_class(exception_name)
    except ImportError:
        return exception_name in retry_on
    for name in retry_on:
        try:
            candidate = import_exception_class(name)
        except ImportError:
            continue
        if issubclass(raised, candidate):
            return True
    return False
