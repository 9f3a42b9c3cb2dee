"""Settling executions: turning a report into the task's next state.

The parent process alone moves tasks out of ``active`` (the fork child never
touches storage). Every move names the owner; a worker that lost its lease gets
``LeaseLost``, logs it and changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tiger_core.config import TigerConfig
from tiger_core.errors import LeaseLost, MalformedTask
from tiger_core.functions import exception_name
from tiger_core.model.execution import ExecutionRecord, ExecutionReport
from tiger_core.model.state import TaskState
from tiger_core.model.task import StoredTask, TaskData
from tiger_core.ports import Clock, ErrorReporter, TaskStore
from tiger_core.services.reporting import report_failure
from tiger_core.services.settle import retry_delay

#: The exception name recorded for a payload that cannot be decoded.
MALFORMED_TASK = exception_name(MalformedTask)


class Settler:
    """Completes, retries or fails claimed tasks.

    Args:
        store: the task storage.
        clock: the time source.
        config: the validated configuration.
        owner: the worker id that claimed the tasks.
        host: the host name written into execution records.
        reporters: told about every failed execution.
    """

    def __init__(
        self,
        store: TaskStore,
        clock: Clock,
        config: TigerConfig,
        *,
        owner: str,
        host: str,
        reporters: Sequence[ErrorReporter] = (),
    ) -> None:
        """Bind the collaborators; no I/O happens here."""
        self.store = store
        self.clock = clock
        self.config = config
        self.owner = owner
        self.host = host
        self.reporters = tuple(reporters)

    def settle(
        self,
        task: StoredTask,
        report: ExecutionReport,
        log: Any,
        *,
        others_held: bool = False,
    ) -> None:
        """Complete, retry or fail the task according to ``report``.

        ``others_held`` is passed to the store's ``complete`` (see
        :meth:`tiger_core.ports.TaskStore.complete`).
        """
        assert task.data is not None
        try:
            if report.success:
                self.store.complete(
                    task.queue,
                    task.id,
                    owner=self.owner,
                    unique=task.data.unique is True,
                    others_held=others_held,
                )
                log.info("done")
                return
            record = report.record or ExecutionRecord(host=self.host)
            self.fail(task, task.data, record, log)
        except LeaseLost as exc:
            log.warning("lease lost", reason=str(exc))

    def fail(
        self, task: StoredTask, data: TaskData, record: ExecutionRecord, log: Any
    ) -> None:
        """Store a failed execution and move the task to scheduled, error or away."""
        now = self.clock.now()
        delay = retry_delay(
            data,
            record,
            attempt=task.executions_count + 1,
            default=self.config.DEFAULT_RETRY_METHOD,
        )
        if delay is not None:
            to_state: TaskState | None = TaskState.SCHEDULED
        elif record.log_error is False:
            to_state = None
        else:
            to_state = TaskState.ERROR
        self.store.fail(
            task.queue,
            task.id,
            record=record,
            owner=self.owner,
            to_state=to_state,
            score=now + (delay or 0),
            keep_executions=data.max_stored_executions or None,
        )
        level = "error" if to_state is TaskState.ERROR else "warning"
        getattr(log, level)(
            "task error",
            exception_name=record.exception_name,
            traceback=record.traceback,
            next_state=str(to_state) if to_state else "deleted",
            retry_in=delay,
        )
        report_failure(self.reporters, task, record, permanent=delay is None, log=log)

    def failure_report(
        self, started: float, exc_type: type[BaseException], message: str
    ) -> ExecutionReport:
        """A failure report for a group that could not even be started."""
        record = ExecutionRecord(
            time_started=started,
            exception_name=exception_name(exc_type),
            time_failed=self.clock.now(),
            traceback=f"{exc_type.__name__}: {message}\n",
            host=self.host,
        )
        return ExecutionReport(success=False, record=record)

    def unusable(self, task: StoredTask, log: Any) -> None:
        """Drop a task whose payload vanished; fail one whose payload is garbage."""
        try:
            self._unusable(task, log)
        except LeaseLost as exc:
            log.warning("lease lost", reason=str(exc))

    def _unusable(self, task: StoredTask, log: Any) -> None:
        if task.problem and task.problem.endswith("payload not found"):
            # Owner-checked like every move out of active; no payload: not unique.
            self.store.complete(task.queue, task.id, owner=self.owner, unique=False)
            log.warning("not found", problem=task.problem)
            return
        now = self.clock.now()
        record = ExecutionRecord(
            time_started=now,
            exception_name=MALFORMED_TASK,
            time_failed=now,
            traceback=f"MalformedTask: {task.problem}\n",
            host=self.host,
        )
        self.store.fail(
            task.queue,
            task.id,
            record=record,
            owner=self.owner,
            to_state=TaskState.ERROR,
            score=now,
            keep_executions=None,
        )
        log.error("task error", exception_name=MALFORMED_TASK, problem=task.problem)
        report_failure(self.reporters, task, record, permanent=True, log=log)
