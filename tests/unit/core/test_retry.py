"""Retry policies as value objects, and their TaskTiger wire form."""

from __future__ import annotations

import pytest

from tiger_core.errors import StopRetry
from tiger_core.policies.retry import (
    CustomRetry,
    ExponentialRetry,
    FixedRetry,
    LinearRetry,
    exception_matches,
    exponential,
    fixed,
    linear,
    retry_from_option,
    retry_from_wire,
)


def stop_after_two(attempt: int, base: float) -> float:
    """A custom retry function: base * attempt, two retries at most."""
    if attempt > 2:
        raise StopRetry
    return base * attempt


def test_fixed_allows_max_retries_then_stops() -> None:
    """fixed(60, 3) waits 60 s for attempts 1-3 and gives up on the 4th."""
    policy = fixed(60, 3)

    assert [60, 60, 60, None] == [policy.next_delay(n) for n in (1, 2, 3, 4)]


def test_linear_grows_by_increment() -> None:
    """linear(10, 5, 3) waits 10, 15, 20."""
    policy = linear(10, 5, 3)

    assert [10, 15, 20, None] == [policy.next_delay(n) for n in (1, 2, 3, 4)]


def test_exponential_multiplies_by_factor() -> None:
    """exponential(1, 2, 3) waits 1, 2, 4."""
    policy = exponential(1, 2, 3)

    assert [1, 2, 4, None] == [policy.next_delay(n) for n in (1, 2, 3, 4)]


@pytest.mark.parametrize(
    ("policy", "wire"),
    [
        (fixed(60, 3), ["tasktiger.retry:_fixed", [60, 3]]),
        (linear(1, 2, 3), ["tasktiger.retry:_linear", [1, 2, 3]]),
        (exponential(1, 2, 3), ["tasktiger.retry:_exponential", [1, 2, 3]]),
    ],
)
def test_builtin_policies_use_tasktiger_paths(
    policy: FixedRetry | LinearRetry | ExponentialRetry, wire: list[object]
) -> None:
    """Built-in policies serialize under TaskTiger's paths and read back equal."""
    assert wire == policy.to_wire()
    assert policy == retry_from_wire(policy.to_wire())


def test_custom_function_and_args_round_trip() -> None:
    """A (function, args) retry method is a CustomRetry calling f(attempt, *args)."""
    policy = retry_from_option((stop_after_two, (1.5,)))

    assert isinstance(policy, CustomRetry)
    assert "tests.unit.core.test_retry:stop_after_two" == policy.path
    assert [1.5, 3.0, None] == [policy.next_delay(n) for n in (1, 2, 3)]


def test_bare_callable_is_serialized_with_no_args() -> None:
    """A bare retry function is written as [path, []]."""
    policy = retry_from_option(stop_after_two)

    assert ["tests.unit.core.test_retry:stop_after_two", []] == policy.to_wire()


def test_wire_functions_behave_like_tasktiger() -> None:
    """TaskTiger's _fixed path is importable and raises StopRetry past the limit."""
    from tiger_core.functions import import_attribute

    func = import_attribute("tasktiger.retry:_fixed")

    assert 5 == func(1, 5, 1)
    with pytest.raises(StopRetry):
        func(2, 5, 1)


def test_malformed_wire_value_is_rejected() -> None:
    """A retry_method that is not a [path, args] pair raises ValueError."""
    with pytest.raises(ValueError, match="retry_method"):
        retry_from_wire(["only-a-path"])


def test_exception_matching_uses_subclasses() -> None:
    """A recorded exception matches a retry_on entry naming one of its bases."""
    assert exception_matches("builtins:KeyError", ["builtins:LookupError"])
    assert not exception_matches("builtins:KeyError", ["builtins:ValueError"])
    assert exception_matches(
        "tasktiger.exceptions:JobTimeoutException",
        ["tiger_core.errors:JobTimeoutException"],
    )


def test_policies_are_frozen() -> None:
    """Policies are immutable value objects."""
    policy = fixed(1, 1)

    with pytest.raises(ValueError, match="frozen"):
        policy.delay = 2  # type: ignore[misc]
