"""Tiger's pure domain: task model, policies and ports. No I/O, no Redis.

Users import the policy value objects from here to reuse them in their own code.
"""

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
