"""Error reports through stdlib logging, for any logging-based service.

Rollbar, Sentry's logging integration, an ``SMTPHandler``, Datadog: whatever
handles stdlib log records can receive task errors. Two ways in:

* :class:`LoggingErrorReporter` is an ``ErrorReporter`` (give it to the worker):
  every failed execution becomes one log record on a logger of your choice.
* :class:`StructlogErrorHandler` is a ``logging.Handler`` for setups that route
  structlog through stdlib logging (as TaskTiger's ``StructlogRollbarHandler``
  does): it picks the ``task error`` events out of the log stream and forwards them
  to another handler.

Both give each record a stable ``title`` and ``fingerprint`` built from the event,
the function, the exception name and the root queue, and the ``traceback`` text.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Mapping
from typing import Any

from tiger_adapters.reporting.events import error_title, fingerprint
from tiger_core.model.execution import ExecutionRecord
from tiger_core.model.task import StoredTask

#: The worker's event for a failed execution.
TASK_ERROR = "task error"


class LoggingErrorReporter:
    """Logs each failed execution as one stdlib record (an ``ErrorReporter``).

    The record's message is the title; its extra attributes are ``title``,
    ``fingerprint``, ``traceback``, ``task_id``, ``queue``, ``func``,
    ``exception_name``, ``attempt`` and ``permanent``. Permanent failures are logged
    at ERROR, failures that will be retried at WARNING.

    Args:
        logger: the logger (or its name) whose handlers forward the records.
        prefix: put in front of every title (e.g. the application's name).
    """

    def __init__(
        self, logger: logging.Logger | str = "tiger.errors", *, prefix: str = ""
    ) -> None:
        """Choose the logger; nothing is logged yet."""
        self.logger = logging.getLogger(logger) if isinstance(logger, str) else logger
        self.prefix = prefix

    def report(
        self, task: StoredTask, record: ExecutionRecord, *, permanent: bool
    ) -> None:
        """Log one failed execution of ``task``."""
        fields: dict[str, Any] = {
            "event": TASK_ERROR,
            "func": task.data.func if task.data else None,
            "exception_name": record.exception_name,
            "queue": task.queue,
        }
        title = error_title(fields, self.prefix)
        extra = {
            **fields,
            "title": title,
            "fingerprint": fingerprint(title),
            "traceback": record.traceback,
            "task_id": task.id,
            "attempt": task.executions_count + 1,
            "permanent": permanent,
        }
        del extra["event"]
        level = logging.ERROR if permanent else logging.WARNING
        self.logger.log(level, title, extra=extra)  # no args: no %-formatting


class StructlogErrorHandler(logging.Handler):
    """Forwards structlog ``task error`` events to another handler, with a title.

    Attach it to the stdlib logger that structlog writes to (its message is the
    rendered JSON line, or the event dict itself). Other events are ignored. Set
    this handler's level to ERROR to forward only permanent failures.

    Args:
        target: the handler of the service (e.g. ``rollbar.logger.RollbarHandler``).
        prefix: put in front of every title.
        events: which events to forward.
        level: the least level forwarded.
    """

    def __init__(
        self,
        target: logging.Handler,
        *,
        prefix: str = "",
        events: Collection[str] = (TASK_ERROR,),
        level: int = logging.NOTSET,
    ) -> None:
        """Wrap ``target``."""
        super().__init__(level)
        self.target = target
        self.prefix = prefix
        self.events = frozenset(events)

    def emit(self, record: logging.LogRecord) -> None:
        """Forward ``record`` as a titled record if it is an error event."""
        try:
            data = _event_dict(record)
            if data is None or data.get("event") not in self.events:
                return
            title = error_title(data, self.prefix)
            forwarded = logging.makeLogRecord(
                {
                    "name": record.name,
                    "levelno": record.levelno,
                    "levelname": record.levelname,
                    "msg": title,
                    "created": record.created,
                    "title": title,
                    "fingerprint": fingerprint(title),
                    "traceback": data.get("traceback"),
                    "event_dict": data,
                }
            )
            if forwarded.levelno >= self.target.level:
                self.target.handle(forwarded)
        except Exception:
            self.handleError(record)


def _event_dict(record: logging.LogRecord) -> dict[str, Any] | None:
    """The structlog event of a record: a dict message, or a JSON object line."""
    if isinstance(record.msg, Mapping):
        return dict(record.msg)
    try:
        data = json.loads(record.getMessage())
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
