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
from tiger_core.ports import Clock, ErrorReporter, Persist, TaskStore
from tiger_core.services.leases import call_once
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
        persist: runs each settle through a storage outage (the report is kept
            and settled once the store is back; owner checks make that safe).
    """

    def __init__(  # noqa: PLR0913 - collaborators, keyword-only after clock
        self,
        store: TaskStore,
        clock: Clock,
        config: TigerConfig,
        *,
        owner: str,
        host: str,
        reporters: Sequence[ErrorReporter] = (),
        persist: Persist = call_once,
    ) -> None:
        """Bind the collaborators; no I/O happens here."""
        self.store = store
        self.clock = clock
        self.config = config
        self.owner = owner
        self.host = host
        self.reporters = tuple(reporters)
        self.persist = persist

    def settle(
        self,
        task: StoredTask,
        report: ExecutionReport,
        log: Any,
        *,
        then_start: tuple[str, str] | None = None,
        claim_done: bool = False,
    ) -> bool:
        """Complete, retry or fail the task according to ``report``.

        ``then_start`` and ``claim_done`` are passed to the store (see
        :meth:`tiger_core.ports.TaskStore.complete`).

        Returns:
            Whether the settle went through (False: the lease was lost).
        """
        assert task.data is not None
        unique = task.data.unique is True
        try:
            if report.success:
                self.persist(
                    lambda: self.store.complete(
                        task.queue,
                        task.id,
                        owner=self.owner,
                        unique=unique,
                        then_start=then_start,
                        claim_done=claim_done,
                    )
                )
                log.info("done")
                return True
            record = report.record or ExecutionRecord(host=self.host)
            self.fail(
                task,
                task.data,
                record,
                log,
                then_start=then_start,
                claim_done=claim_done,
            )
        except LeaseLost as exc:
            log.warning("lease lost", reason=str(exc))
            return False
        return True

    def fail(
        self,
        task: StoredTask,
        data: TaskData,
        record: ExecutionRecord,
        log: Any,
        *,
        then_start: tuple[str, str] | None = None,
        claim_done: bool = False,
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
        self.persist(
            lambda: self.store.fail(
                task.queue,
                task.id,
                record=record,
                owner=self.owner,
                to_state=to_state,
                score=now + (delay or 0),
                keep_executions=data.max_stored_executions or None,
                then_start=then_start,
                claim_done=claim_done,
            )
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
            self.persist(
                lambda: self.store.complete(
                    task.queue, task.id, owner=self.owner, unique=False
                )
            )
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
        self.persist(
            lambda: self.store.fail(
                task.queue,
                task.id,
                record=record,
                owner=self.owner,
                to_state=TaskState.ERROR,
                score=now,
                keep_executions=None,
            )
        )
        log.error("task error", exception_name=MALFORMED_TASK, problem=task.problem)
        report_failure(self.reporters, task, record, permanent=True, log=log)
