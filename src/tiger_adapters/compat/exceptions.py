"""TaskTiger's exceptions (``tasktiger.exceptions``), for ``from ... import`` only.

``JobTimeoutException``, ``QueueFullException`` and ``RetryException`` derive from
``BaseException``, as in TaskTiger; ``TaskImportError`` is an ``ImportError``.
"""

from tiger_core.errors import (
    JobTimeoutException,
    QueueFullException,
    RetryException,
    StopRetry,
    TaskImportError,
    TaskNotFound,
)

__all__ = [
    "JobTimeoutException",
    "QueueFullException",
    "RetryException",
    "StopRetry",
    "TaskImportError",
    "TaskNotFound",
]
