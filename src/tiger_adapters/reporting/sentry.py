"""Error reports to Sentry (needs the ``sentry`` extra: ``tiger-queue[sentry]``).

The worker reports in its own process after the fork child is gone, so there is no
live exception object: the event is built from the execution record (the exception
name, and the message and frames read from the stored traceback).

Grouping: every event carries the fingerprint ``["tiger", <root queue>, <func>,
<exception name>]``, so one issue collects one failure of one function, whatever
the message and whichever subqueue (``email.user42``) it came from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import sentry_sdk

from tiger_adapters.reporting.events import ExceptionInfo, exception_info, root_queue
from tiger_core.model.execution import ExecutionRecord
from tiger_core.model.task import StoredTask

if TYPE_CHECKING:
    from sentry_sdk.types import Event


class SentryErrorReporter:
    """Sends one Sentry event per failed execution (an ``ErrorReporter``).

    Args:
        client: the ``sentry_sdk.Client`` to send with; by default the client set
            up by ``sentry_sdk.init()`` (nothing is sent when there is none).
        include_args: add the task's args and kwargs to the event's extra data
            (off by default: they may hold personal data).
        report_retries: also report failures that will be retried (as warnings).
    """

    def __init__(
        self,
        client: sentry_sdk.Client | None = None,
        *,
        include_args: bool = False,
        report_retries: bool = True,
    ) -> None:
        """Keep the options; nothing is sent yet."""
        self.client = client
        self.include_args = include_args
        self.report_retries = report_retries

    @classmethod
    def from_dsn(cls, dsn: str, **options: Any) -> SentryErrorReporter:
        """A reporter with its own client for ``dsn`` (no global ``sentry_sdk.init``).

        Raises:
            sentry_sdk.utils.BadDsn: the DSN is malformed.
        """
        client = sentry_sdk.Client(dsn=dsn, default_integrations=False)
        return cls(client, **options)

    def report(
        self, task: StoredTask, record: ExecutionRecord, *, permanent: bool
    ) -> None:
        """Send one event for this failed execution of ``task``."""
        if not permanent and not self.report_retries:
            return
        event = self.event(task, record, permanent=permanent)
        if self.client is None:
            sentry_sdk.capture_event(event)
        else:
            self.client.capture_event(event)

    def event(
        self, task: StoredTask, record: ExecutionRecord, *, permanent: bool
    ) -> Event:
        """Build the Sentry event payload of one failure."""
        func = task.data.func if task.data else "<unreadable task>"
        info = exception_info(record.exception_name, record.traceback)
        extra: dict[str, Any] = {
            "attempt": task.executions_count + 1,
            "host": record.host,
            "traceback": record.traceback,
        }
        if self.include_args and task.data:
            extra.update(args=task.data.call_args, kwargs=task.data.call_kwargs)
        event: dict[str, Any] = {
            "level": "error" if permanent else "warning",
            "logger": "tiger",
            "transaction": func,
            "exception": {"values": [_exception(info)]},
            "fingerprint": [
                "tiger",
                root_queue(task.queue),
                func,
                record.exception_name or "unknown",
            ],
            "tags": {
                "queue": task.queue,
                "func": func,
                "task_id": task.id,
                "permanent": str(permanent).lower(),
            },
            "extra": extra,
        }
        return cast("Event", event)

    def close(self, timeout: float = 2.0) -> None:
        """Send what is pending (up to ``timeout`` seconds) and close the client."""
        if self.client is not None:
            self.client.close(timeout=timeout)


def _exception(info: ExceptionInfo) -> dict[str, Any]:
    """The Sentry exception interface of a recorded exception."""
    exception: dict[str, Any] = {
        "type": info.type,
        "module": info.module,
        "value": info.value,
        "mechanism": {"type": "tiger", "handled": False},
    }
    if info.frames:
        frames = [
            {"filename": file, "lineno": line, "function": name}
            for file, line, name in info.frames
        ]
        exception["stacktrace"] = {"frames": frames}
    return exception
