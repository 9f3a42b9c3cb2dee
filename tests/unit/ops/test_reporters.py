"""The Sentry and logging adapters of the error-reporter port."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import sentry_sdk
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from tiger_adapters.reporting import LoggingErrorReporter, StructlogErrorHandler
from tiger_adapters.reporting.events import error_title, exception_info
from tiger_adapters.reporting.sentry import SentryErrorReporter
from tiger_core.model.execution import ExecutionRecord
from tiger_core.model.state import TaskState
from tiger_core.model.task import StoredTask, TaskData

TRACEBACK = """Traceback (most recent call last):
  File "/app/tasks.py", line 10, in send_email
    raise ValueError("mailbox full")
ValueError: mailbox full
"""


class CapturingTransport(Transport):
    """A Sentry transport that keeps envelopes instead of sending them."""

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        super().__init__(options)
        self.envelopes: list[Envelope] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        self.envelopes.append(envelope)


@pytest.fixture
def sentry_client() -> Iterator[sentry_sdk.Client]:
    client = sentry_sdk.Client(
        dsn="https://public@sentry.invalid/1",
        transport=CapturingTransport,
        default_integrations=False,
    )
    try:
        yield client
    finally:
        client.close()


def failed_task(queue: str = "email.user42", attempt: int = 3) -> StoredTask:
    data = TaskData.model_validate(
        {"id": "t1", "func": "app.tasks:send_email", "args": ["a@b.c"]}
    )
    return StoredTask(
        id="t1",
        queue=queue,
        state=TaskState.ACTIVE,
        data=data,
        executions_count=attempt - 1,
    )


def record(traceback: str | None = TRACEBACK) -> ExecutionRecord:
    return ExecutionRecord(
        time_started=1.0,
        exception_name="builtins:ValueError",
        time_failed=2.0,
        traceback=traceback,
        host="h1",
    )


def sent_events(client: sentry_sdk.Client) -> list[dict[str, Any]]:
    """The events the client handed to its (capturing) transport."""
    assert isinstance(client.transport, CapturingTransport)
    return [
        dict(item.get_event() or {})
        for envelope in client.transport.envelopes
        for item in envelope.items
        if item.type == "event"
    ]


def test_sentry_event_is_grouped_by_root_queue_function_and_exception(
    sentry_client: sentry_sdk.Client,
) -> None:
    """The envelope's event has the fingerprint, tags, exception type and message."""
    reporter = SentryErrorReporter(sentry_client)

    reporter.report(failed_task(), record(), permanent=True)
    sentry_client.flush()

    (event,) = sent_events(sentry_client)
    assert [
        "tiger",
        "email",
        "app.tasks:send_email",
        "builtins:ValueError",
    ] == event["fingerprint"]
    assert {
        "queue": "email.user42",
        "func": "app.tasks:send_email",
        "task_id": "t1",
        "permanent": "true",
    } == event["tags"]
    (exception,) = event["exception"]["values"]
    assert ("ValueError", "builtins", "mailbox full") == (
        exception["type"],
        exception["module"],
        exception["value"],
    )
    assert [("/app/tasks.py", 10, "send_email")] == [
        (f["filename"], f["lineno"], f["function"])
        for f in exception["stacktrace"]["frames"]
    ]
    assert ("error", 3, TRACEBACK) == (
        event["level"],
        event["extra"]["attempt"],
        event["extra"]["traceback"],
    )
    assert "args" not in event["extra"]


def test_sentry_retries_are_warnings_and_can_be_left_out(
    sentry_client: sentry_sdk.Client,
) -> None:
    """A failure that will be retried is a warning; report_retries=False drops it."""
    SentryErrorReporter(sentry_client, include_args=True).report(
        failed_task(), record(traceback=None), permanent=False
    )
    SentryErrorReporter(sentry_client, report_retries=False).report(
        failed_task(), record(), permanent=False
    )
    sentry_client.flush()

    (event,) = sent_events(sentry_client)
    assert ("warning", "false", "") == (
        event["level"],
        event["tags"]["permanent"],
        event["exception"]["values"][0]["value"],
    )
    assert (["a@b.c"], {}) == (event["extra"]["args"], event["extra"]["kwargs"])


def test_exception_info_keeps_the_last_of_chained_tracebacks() -> None:
    """Frames come from the last traceback of a chain; the message from its end."""
    text = TRACEBACK.replace("ValueError: mailbox full", "KeyError: 'x'") + (
        "\nDuring handling of the above exception, another exception occurred:\n\n"
        + TRACEBACK
    )

    info = exception_info("builtins:ValueError", text)

    assert ("builtins", "ValueError", "mailbox full", 1) == (
        info.module,
        info.type,
        info.value,
        len(info.frames),
    )


class ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def handler() -> Iterator[ListHandler]:
    target = ListHandler()
    logger = logging.getLogger("tests.errors")
    logger.addHandler(target)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield target
    finally:
        logger.removeHandler(target)


def test_logging_reporter_logs_a_titled_record(handler: ListHandler) -> None:
    """A permanent failure is an ERROR record titled by func, exception, root queue."""
    reporter = LoggingErrorReporter("tests.errors", prefix="app")

    reporter.report(failed_task(), record(), permanent=True)
    reporter.report(failed_task(queue="email.user7"), record(), permanent=False)

    first, second = handler.records
    title = (
        "app: event=task error func=app.tasks:send_email "
        "exception_name=builtins:ValueError queue=email"
    )
    assert (title, logging.ERROR, TRACEBACK, "t1") == (
        first.getMessage(),
        first.levelno,
        first.traceback,  # type: ignore[attr-defined]
        first.task_id,  # type: ignore[attr-defined]
    )
    assert logging.WARNING == second.levelno
    assert first.fingerprint == second.fingerprint  # type: ignore[attr-defined]


def test_structlog_handler_forwards_only_task_errors() -> None:
    """JSON lines of "task error" are forwarded with a title; other events are not."""
    target = ListHandler()
    forwarder = StructlogErrorHandler(target, prefix="app")
    logger = logging.getLogger("tests.structlog_lines")
    logger.addHandler(forwarder)
    logger.propagate = False
    event = {
        "event": "task error",
        "func": "app.tasks:send_email",
        "exception_name": "builtins:ValueError",
        "queue": "email.user42",
        "traceback": TRACEBACK,
    }
    try:
        logger.error(json.dumps(event))
        logger.error(json.dumps({"event": "done", "queue": "email"}))
        logger.error("not json at all")
        logger.error({**event, "queue": "email.user9"})  # a dict message
    finally:
        logger.removeHandler(forwarder)

    first, second = target.records
    assert error_title(event, "app") == first.getMessage()
    assert (TRACEBACK, first.fingerprint) == (  # type: ignore[attr-defined]
        first.traceback,  # type: ignore[attr-defined]
        second.fingerprint,  # type: ignore[attr-defined]
    )
