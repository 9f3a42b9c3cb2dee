"""Policies: frozen value objects with pure functions, reusable in user code."""

from tiger_core.policies.retry import (
    CustomRetry,
    ExponentialRetry,
    FixedRetry,
    LinearRetry,
    RetryPolicy,
    exponential,
    fixed,
    linear,
)
from tiger_core.policies.unique import LockPolicy, UniquePolicy

__all__ = [
    "CustomRetry",
    "ExponentialRetry",
    "FixedRetry",
    "LinearRetry",
    "LockPolicy",
    "RetryPolicy",
    "UniquePolicy",
    "exponential",
    "fixed",
    "linear",
]
