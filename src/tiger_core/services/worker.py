"""WorkerCycle: one pass of a worker over its queues, with no sleeping or signals."""

from __future__ import annotations

import random
from collections.abc import Callable, Collection
from typing import Any

import structlog

from tiger_core.config import TigerConfig
from tiger_core.errors import LeaseLost, MalformedTask, TaskImportError
from tiger_core.functions import exception_name, import_attribute
from tiger_core.model.execution import (
    ExecutionRecord,
    ExecutionReport,
    ExecutionRequest,
    TaskCall,
)
from tiger_core.model.queue_name import queue_matches
from tiger_core.model.state import TaskState
from tiger_core.model.task import StoredTask, TaskData
from tiger_core.ports import Clock, Executor, TaskStore
from tiger_core.services.settle import retry_delay

#: The exception name recorded for a payload that cannot be decoded.
MALFORMED_TASK = exception_name(MalformedTask)


class WorkerCycle:
    """Claims, runs and settles tasks; the loop around it lives in the adapters.

    Args:
        store: the task storage.
        executor: runs the tasks (fork or inline).
        clock: the time source.
        config: the validated configuration.
        owner: this worker's id, the owner token of every task it claims.
        only: process only these queues and their subqueues (empty: all).
        exclude: skip these queues and their subqueues.
        host: the host name written into execution records.
    """

    def __init__(  # noqa: PLR0913 - the collaborators of a worker, all keyword-only
        self,
        store: TaskStore,
        executor: Executor,
        clock: Clock,
        config: TigerConfig,
        *,
        owner: str,
        only: Collection[str] = (),
        exclude: Collection[str] = (),
        host: str = "",
    ) -> None:
        """Bind the collaborators; no I/O happens here."""
        self.store = store
        self.executor = executor
        self.clock = clock
        self.config = config
        self.owner = owner
        self.only = tuple(only)
        self.exclude = tuple(exclude)
        self.host = host
        self.log = structlog.get_logger(config.LOGGER_NAME).bind(worker_id=owner)

    def handles(self, queue: str) -> bool:
        """Whether this worker's queue filters accept ``queue``."""
        return queue_matches(queue, self.only, self.exclude)

    def run_once(self, should_stop: Callable[[], bool] = lambda: False) -> bool:
        """Promote due tasks, then claim and run one task from each ready queue.

        Queues are visited in random order, so a busy queue cannot starve others.

        Returns:
            Whether any work was done.
        """
        did_work = self.promote_due() > 0
        queues = [
            q for q in self.store.queue_names(TaskState.QUEUED) if self.handles(q)
        ]
        random.shuffle(queues)
        for queue in queues:
            if should_stop():
                break
            did_work = self.process_queue(queue) or did_work
        return did_work

    def promote_due(self) -> int:
        """Move due scheduled tasks of this worker's queues to queued."""
        moved = 0
        for queue in self.store.queue_names(TaskState.SCHEDULED):
            if self.handles(queue):
                moved += self.store.promote_due(
                    queue,
                    now=self.clock.now(),
                    limit=self.config.SCHEDULED_TASK_BATCH_SIZE,
                )
        return moved

    def process_queue(self, queue: str) -> bool:
        """Claim one task of ``queue`` and run it to its next state."""
        now = self.clock.now()
        claimed = self.store.claim(
            queue,
            limit=1,
            now=now,
            owner=self.owner,
            busy_retry_at=now + self.config.LOCK_RETRY,
        )
        for task in claimed:
            self.run_task(task)
        return bool(claimed)

    def run_task(self, task: StoredTask) -> None:
        """Run one claimed task and settle its outcome; task failures never raise."""
        log = self.log.bind(task_id=task.id, queue=task.queue)
        if task.data is None:
            self._unusable(task, log)
            return
        log = log.bind(func=task.data.func, attempt=task.executions_count + 1)
        started = self.clock.now()
        try:
            request = self._request(task.data, task.queue)
        except TaskImportError as exc:
            report = self._failure(started, TaskImportError, str(exc))
        else:
            report = self.executor.execute(request, heartbeat=self._beater(task))
        self.settle(task, report, log)

    def settle(self, task: StoredTask, report: ExecutionReport, log: Any) -> None:
        """Complete, retry or fail the task according to ``report``."""
        assert task.data is not None
        try:
            if report.success:
                self.store.complete(task.queue, task.id, owner=self.owner)
                log.info("done")
                return
            record = report.record or ExecutionRecord(host=self.host)
            self._fail(task, task.data, record, log)
        except LeaseLost as exc:
            log.warning("lease lost", reason=str(exc))

    def _fail(
        self, task: StoredTask, data: TaskData, record: ExecutionRecord, log: Any
    ) -> None:
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

    def _request(self, data: TaskData, queue: str) -> ExecutionRequest:
        func = import_attribute(data.func)
        timeout = (
            data.hard_timeout
            or getattr(func, "_task_hard_timeout", None)
            or self.config.DEFAULT_HARD_TIMEOUT
        )
        call = TaskCall(
            id=data.id,
            args=data.call_args,
            kwargs=data.call_kwargs,
            hard_timeout=float(timeout),
        )
        return ExecutionRequest(
            func=data.func,
            queue=queue,
            tasks=[call],
            store_tracebacks=self.config.STORE_TRACEBACKS,
        )

    def _beater(self, task: StoredTask) -> Callable[[], None]:
        def beat() -> None:
            lost = self.store.heartbeat(
                task.queue, [task.id], now=self.clock.now(), owner=self.owner
            )
            if lost:
                self.log.warning("lease lost", task_id=task.id, queue=task.queue)

        return beat

    def _failure(
        self, started: float, exc_type: type[BaseException], message: str
    ) -> ExecutionReport:
        record = ExecutionRecord(
            time_started=started,
            exception_name=exception_name(exc_type),
            time_failed=self.clock.now(),
            traceback=f"{exc_type.__name__}: {message}\n",
            host=self.host,
        )
        return ExecutionReport(success=False, record=record)

    def _unusable(self, task: StoredTask, log: Any) -> None:
        """Drop a task whose payload vanished; fail one whose payload is garbage."""
        if task.problem and task.problem.endswith("payload not found"):
            self.store.move(
                task.queue, task.id, from_state=TaskState.ACTIVE, to_state=None, score=0
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
