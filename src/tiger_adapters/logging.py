"""structlog setup for worker processes, and the processor that tags task log lines.

Worker events are JSON objects with a fixed vocabulary: ``event`` plus ``task_id``,
``queue``, ``func``, ``attempt``, ``child_pid`` and ``worker_id`` where they apply.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

from tiger_adapters.executor.context import current


def tiger_processor(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Add the running task's ``task_id``, ``task_func`` and ``queue`` to a log line.

    A structlog processor for users' own log lines: while a task runs (in the fork
    child or in-process) its id, function and queue are added; a batch task gets
    ``task_ids`` instead of ``task_id``. Keys the line already has are kept. Outside
    a task the line is unchanged. TaskTiger's name for it is ``tasktiger_processor``.

    Example:
        ``structlog.configure(processors=[tiger_processor, ...])``
    """
    del logger, method_name  # required by the processor signature
    running = current()
    if running is None:
        return event_dict
    if running.is_batch:
        event_dict.setdefault("task_ids", running.task_ids)
    else:
        event_dict.setdefault("task_id", running.task_ids[0])
    event_dict.setdefault("task_func", running.func)
    event_dict.setdefault("queue", running.queue)
    return event_dict


#: TaskTiger's name of :func:`tiger_processor` (``tasktiger.logging``).
tasktiger_processor = tiger_processor


#: Set once :func:`configure_logging` ran in this process.
_configured: list[bool] = []


def logging_configured() -> bool:
    """Whether :func:`configure_logging` ran in this process."""
    return bool(_configured)


def configure_logging(
    *, level: int = logging.INFO, stream: TextIO | None = None
) -> None:
    """Configure structlog globally to write JSON lines to ``stream`` (stderr).

    Called by the CLI and by ``TaskTiger(setup_structlog=True)``; library code never
    configures logging on import. Context bound with
    ``structlog.contextvars`` (the worker binds the fixed keys around each
    execution) and the running task (:func:`tiger_processor`) are merged in.
    """
    _configured[:] = [True]
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            tiger_processor,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(sort_keys=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(stream or sys.stderr),
        cache_logger_on_first_use=False,
    )
