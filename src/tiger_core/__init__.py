"""Tiger's pure domain: task model, policies and ports. No I/O, no Redis.

Users import the policy value objects from here to reuse them in their own code.

The names below are imported on first use (PEP 562), so that importing one
submodule, e.g. ``tiger_core.errors`` in a fork-server child, stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tiger_core.config import TigerConfig
    from tiger_core.errors import (
        ConfigError,
        JobTimeoutException,
        LeaseLost,
        QueueFullException,
        RetryException,
        StopRetry,
        TaskImportError,
        TaskNotFound,
        TigerError,
    )
    from tiger_core.model.execution import (
        ExecutionRecord,
        ExecutionReport,
        ExecutionRequest,
    )
    from tiger_core.model.state import TaskState
    from tiger_core.model.task import StoredTask, TaskData
    from tiger_core.policies import (
        CustomRetry,
        ExponentialRetry,
        FixedRetry,
        LinearRetry,
        LockPolicy,
        RetryPolicy,
        UniquePolicy,
        exponential,
        fixed,
        linear,
    )
    from tiger_core.ports import Clock, Executor, LockStore, TaskStore
    from tiger_core.services.options import TaskOptions

#: Where each public name lives.
_EXPORTS: dict[str, str] = {
    "Clock": "tiger_core.ports",
    "ConfigError": "tiger_core.errors",
    "CustomRetry": "tiger_core.policies",
    "ExecutionRecord": "tiger_core.model.execution",
    "ExecutionReport": "tiger_core.model.execution",
    "ExecutionRequest": "tiger_core.model.execution",
    "Executor": "tiger_core.ports",
    "ExponentialRetry": "tiger_core.policies",
    "FixedRetry": "tiger_core.policies",
    "JobTimeoutException": "tiger_core.errors",
    "LeaseLost": "tiger_core.errors",
    "LinearRetry": "tiger_core.policies",
    "LockPolicy": "tiger_core.policies",
    "LockStore": "tiger_core.ports",
    "QueueFullException": "tiger_core.errors",
    "RetryException": "tiger_core.errors",
    "RetryPolicy": "tiger_core.policies",
    "StopRetry": "tiger_core.errors",
    "StoredTask": "tiger_core.model.task",
    "TaskData": "tiger_core.model.task",
    "TaskImportError": "tiger_core.errors",
    "TaskNotFound": "tiger_core.errors",
    "TaskOptions": "tiger_core.services.options",
    "TaskState": "tiger_core.model.state",
    "TaskStore": "tiger_core.ports",
    "TigerConfig": "tiger_core.config",
    "TigerError": "tiger_core.errors",
    "UniquePolicy": "tiger_core.policies",
    "exponential": "tiger_core.policies",
    "fixed": "tiger_core.policies",
    "linear": "tiger_core.policies",
}

__all__ = [
    "Clock",
    "ConfigError",
    "CustomRetry",
    "ExecutionRecord",
    "ExecutionReport",
    "ExecutionRequest",
    "Executor",
    "ExponentialRetry",
    "FixedRetry",
    "JobTimeoutException",
    "LeaseLost",
    "LinearRetry",
    "LockPolicy",
    "LockStore",
    "QueueFullException",
    "RetryException",
    "RetryPolicy",
    "StopRetry",
    "StoredTask",
    "TaskData",
    "TaskImportError",
    "TaskNotFound",
    "TaskOptions",
    "TaskState",
    "TaskStore",
    "TigerConfig",
    "TigerError",
    "UniquePolicy",
    "exponential",
    "fixed",
    "linear",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its submodule on first access."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'tiger_core' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
