"""The error-reporter port: one report per failed execution, never a worker crash."""

from __future__ import annotations

from dataclasses import dataclass

from structlog.testing import capture_logs

from tests import ops_tasks
from tests.unit.compat.support import FakeClock
from tiger_adapters.compat import TaskTiger, Worker, fixed
from tiger_adapters.memory import MemoryTaskStore
from tiger_core.errors import TaskImportError
from tiger_core.functions import exception_name
from tiger_core.model.execution import ExecutionRecord
from tiger_core.model.state import TaskState
from tiger_core.model.task import StoredTask, TaskData

IMPORT_ERROR = exception_name(TaskImportError)


@dataclass
class Report:
    task_id: str
    queue: str
    exception_name: str | None
    attempt: int
    permanent: bool


class RecordingReporter:
    """An ErrorReporter that remembers what it was told."""

    def __init__(self) -> None:
        self.reports: list[Report] = []

    def report(
        self, task: StoredTask, record: ExecutionRecord, *, permanent: bool
    ) -> None:
        self.reports.append(
            Report(
                task.id,
                task.queue,
                record.exception_name,
                task.executions_count + 1,
                permanent,
            )
        )


class BrokenReporter:
    """An ErrorReporter whose service is down."""

    def report(
        self, task: StoredTask, record: ExecutionRecord, *, permanent: bool
    ) -> None:
        raise ConnectionError("sentry is down")


def new_tiger() -> TaskTiger:
    return TaskTiger(store=MemoryTaskStore(), clock=FakeClock())


def test_a_retried_task_is_reported_once_per_failed_execution() -> None:
    """fixed(0, 2) means 3 executions: 3 reports, only the last one permanent."""
    tiger = new_tiger()
    reporter = RecordingReporter()
    task = tiger.delay(
        ops_tasks.always_fail, args=["boom"], queue="q", retry_method=fixed(0, 2)
    )

    Worker(tiger, executor="sync", error_reporters=[reporter]).run(once=True)

    name = "builtins:ValueError"
    assert [
        Report(task.id, "q", name, 1, False),
        Report(task.id, "q", name, 2, False),
        Report(task.id, "q", name, 3, True),
    ] == reporter.reports
    assert 1 == tiger.store.count("q", TaskState.ERROR)


def test_successes_are_not_reported() -> None:
    """A task that returns produces no report."""
    tiger = new_tiger()
    reporter = RecordingReporter()
    tiger.delay(ops_tasks.succeed, queue="q")

    Worker(tiger, executor="sync", error_reporters=[reporter]).run(once=True)

    assert [] == reporter.reports


def test_an_unimportable_task_is_reported_once_as_permanent() -> None:
    """A task whose function cannot be imported is reported once, permanently."""
    tiger = new_tiger()
    reporter = RecordingReporter()
    data = TaskData.model_validate({"id": "x1", "func": "tests.ops_tasks:missing"})
    tiger.store.enqueue(data, queue="q", state=TaskState.QUEUED, score=0)

    Worker(tiger, executor="sync", error_reporters=[reporter]).run(once=True)

    assert [Report("x1", "q", IMPORT_ERROR, 1, True)] == reporter.reports


def test_a_failing_reporter_is_logged_and_the_worker_goes_on() -> None:
    """A reporter that raises is logged; later reporters and tasks still run."""
    tiger = new_tiger()
    reporter = RecordingReporter()
    tiger.delay(ops_tasks.always_fail, args=["a"], queue="q")
    tiger.delay(ops_tasks.always_fail, args=["b"], queue="q")
    worker = Worker(
        tiger, executor="sync", error_reporters=[BrokenReporter(), reporter]
    )

    with capture_logs() as logs:
        worker.run(once=True)

    failures = [e for e in logs if e["event"] == "error reporter failed"]
    assert 2 == len(reporter.reports)
    assert ["BrokenReporter", "BrokenReporter"] == [e["reporter"] for e in failures]
    assert 2 == tiger.store.count("q", TaskState.ERROR)
