"""Retry methods (``tasktiger.retry``): ``fixed``, ``linear`` and ``exponential``.

Tiger's helpers return frozen policy value objects (``FixedRetry`` and so on)
rather than TaskTiger's ``(function, args)`` pairs. Everywhere a retry method is
accepted (``retry_method=``, ``RetryException(method=...)``,
``DEFAULT_RETRY_METHOD``) either form works, and so does a plain function
``f(retry_num, *args)`` or a ``(f, args)`` pair. The wire functions ``_fixed``,
``_linear`` and ``_exponential`` are importable here too.
"""

from tiger_core.policies.retry import (
    CustomRetry,
    ExponentialRetry,
    FixedRetry,
    LinearRetry,
    _exponential,
    _fixed,
    _linear,
    exponential,
    fixed,
    linear,
)

__all__ = [
    "CustomRetry",
    "ExponentialRetry",
    "FixedRetry",
    "LinearRetry",
    "_exponential",
    "_fixed",
    "_linear",
    "exponential",
    "fixed",
    "linear",
]
