"""Tiger's TaskTiger-shaped API: ``TaskTiger``, ``Task`` and ``Worker``.

The same objects work over Redis (the default, TaskTiger's data layout) and over
the in-memory store (``TaskTiger(store=MemoryTaskStore())``), which is what you
want in your own tests.
"""

from tiger_adapters.compat.task import Task
from tiger_adapters.compat.tiger import TaskTiger
from tiger_adapters.compat.worker import Worker
from tiger_core.errors import (
    JobTimeoutException,
    QueueFullException,
    RetryException,
    StopRetry,
    TaskImportError,
    TaskNotFound,
)
from tiger_core.policies.retry import exponential, fixed, linear

__all__ = [
    "JobTimeoutException",
    "QueueFullException",
    "RetryException",
    "StopRetry",
    "Task",
    "TaskImportError",
    "TaskNotFound",
    "TaskTiger",
    "Worker",
    "exponential",
    "fixed",
    "linear",
]
