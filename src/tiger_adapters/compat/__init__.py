"""Tiger's drop-in for TaskTiger's public names (``from tasktiger import ...``).

A TaskTiger user switches by changing imports only: ``tasktiger`` becomes
``tiger_adapters.compat``, and ``tasktiger.<module>`` becomes
``tiger_adapters.compat.<module>`` for ``exceptions``, ``retry``, ``schedule``,
``runner``, ``executor``, ``logging`` and ``test_helpers``.

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
from tiger_core.policies.schedule import cron_expr, periodic

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
    "cron_expr",
    "exponential",
    "fixed",
    "linear",
    "periodic",
]
