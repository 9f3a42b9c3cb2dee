"""The public surface of each package is deliberate."""

from __future__ import annotations

import tiger_adapters.compat
import tiger_adapters.executor
import tiger_adapters.memory
import tiger_adapters.redis
import tiger_core


def test_core_exports() -> None:
    """tiger_core exports the model, the policies, the ports and the errors."""
    assert {
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
    } == set(tiger_core.__all__)


def test_adapter_exports() -> None:
    """Each adapter package exports its adapters and nothing else."""
    assert ["MemoryLockStore", "MemoryTaskStore"] == tiger_adapters.memory.__all__
    assert {"ForkExecutor", "InlineExecutor"} == set(tiger_adapters.executor.__all__)
    assert {"KeySchema", "RedisLockStore", "RedisTaskStore"} <= set(
        tiger_adapters.redis.__all__
    )


def test_compat_exports_tasktiger_names() -> None:
    """The compat facade offers TaskTiger's main public names."""
    expected = {
        "TaskTiger",
        "Task",
        "Worker",
        "JobTimeoutException",
        "RetryException",
        "StopRetry",
        "TaskImportError",
        "TaskNotFound",
        "QueueFullException",
        "fixed",
        "linear",
        "exponential",
    }

    assert expected <= set(tiger_adapters.compat.__all__)


def test_every_export_exists() -> None:
    """Every name in __all__ resolves."""
    for module in (tiger_core, tiger_adapters.compat, tiger_adapters.memory):
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"
