"""ClaimRunner: runs the tasks of one claim and settles each of them.

The steps: ``run_one_by_one`` (prefetched tasks, each its own execution) or
``run_groups`` (a batch claim, one execution per function) → ``run_group`` (task
locks) → ``execute_group`` (periodic next run, executor call) → ``settle`` per
task. Every store call made here while claimed tasks are held goes through
``persist``, so a storage outage delays an outcome instead of losing it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog

from tiger_core.config import TigerConfig
from tiger_core.errors import LeaseLost, TaskImportError
from tiger_core.functions import import_attribute
from tiger_core.model.task import StoredTask
from tiger_core.ports import Clock, Executor, Persist, TaskStore
from tiger_core.services.groups import build_request, group_by_function
from tiger_core.services.guards import Guards
from tiger_core.services.leases import Leases
from tiger_core.services.outcome import Settler
from tiger_core.services.periodic import queue_next_period, schedule_of


class ClaimRunner:
    """Runs claimed tasks through the executor and settles them.

    Args:
        store: the task storage.
        executor: runs the tasks (fork or inline).
        clock: the time source.
        config: the validated configuration.
        owner: this worker's id.
        settler: turns reports into the tasks' next states.
        guards: task locks and queue slots.
        leases: the held tasks and their heartbeats.
        persist: runs store calls through a storage outage.
        log: the worker's structlog logger.
    """

    def __init__(  # noqa: PLR0913 - the collaborators, all keyword-only
        self,
        *,
        store: TaskStore,
        executor: Executor,
        clock: Clock,
        config: TigerConfig,
        owner: str,
        settler: Settler,
        guards: Guards,
        leases: Leases,
        persist: Persist,
        log: Any,
    ) -> None:
        """Bind the collaborators; no I/O happens here."""
        self.store = store
        self.executor = executor
        self.clock = clock
        self.config = config
        self.owner = owner
        self.settler = settler
        self.guards = guards
        self.leases = leases
        self.persist = persist
        self.log = log

    def settle_unusable(self, claimed: list[StoredTask]) -> None:
        """Drop or fail the claimed tasks whose payload is missing or garbage."""
        for task in claimed:
            if task.data is None:
                self.settler.unusable(task, self.log_for(task))

    def run_one_by_one(
        self, claimed: list[StoredTask], should_stop: Callable[[], bool]
    ) -> None:
        """Run claimed tasks (any queues) one by one; give the rest back on a stop."""
        self.settle_unusable(claimed)
        waiting = [task for task in claimed if task.data is not None]
        started = 0
        try:
            while waiting:
                task = waiting.pop(0)
                if started and should_stop():
                    self.leases.give_back([task, *waiting], self.log_for)
                    return
                self.leases.held = list(waiting)
                self.leases.next_up = waiting[0] if waiting else None
                self.leases.prepare(task.queue, [task])
                if self.leases.is_lost(task):
                    continue  # taken over while it waited: not ours to run
                started += 1
                self.run_group(task.queue, [task])
                self.guards.unlock_tasks()
        finally:
            self.leases.release()

    def run_groups(self, queue: str, claimed: list[StoredTask]) -> None:
        """Run a batch claim group by group; the waiting groups are beaten too.

        While one group runs, the tasks of the groups after it wait in ``active``
        under this worker, held: they are part of every heartbeat (``leases``), a
        task reported lost meanwhile (taken over elsewhere) is not run here, and
        each group is handed to run (one heartbeat) just before it runs.
        """
        groups = group_by_function(claimed)
        try:
            for index, group in enumerate(groups):
                self.leases.held = [t for later in groups[index + 1 :] for t in later]
                self.leases.prepare(queue, group)
                ready = [task for task in group if not self.leases.is_lost(task)]
                if ready:
                    self.run_group(queue, ready)
        finally:
            self.leases.release()

    def run_task(self, task: StoredTask) -> None:
        """Run one claimed task and settle its outcome; task failures never raise."""
        if task.data is None:
            self.settler.unusable(task, self.log_for(task))
            return
        self.run_group(task.queue, [task])

    def run_group(self, queue: str, tasks: list[StoredTask]) -> None:
        """Take the tasks' locks (deferring those whose lock is busy), then run them."""
        ready = [task for task in tasks if self._lock_or_defer(task)]
        if ready:
            self.execute_group(queue, ready)

    def execute_group(self, queue: str, tasks: list[StoredTask]) -> None:
        """Run one function's tasks as one executor call and settle each of them."""
        first = tasks[0]
        assert first.data is not None
        started = self.clock.now()
        try:
            func = import_attribute(first.data.func)
            request = build_request(func, tasks, queue, self.config)
        except TaskImportError as exc:
            report = self.settler.failure_report(started, TaskImportError, str(exc))
        else:
            self._queue_next_period(func, first)
            # Executor events (processing, child killed, ...) carry the fixed keys.
            with structlog.contextvars.bound_contextvars(
                worker_id=self.owner,
                task_id=first.id,
                queue=queue,
                func=first.data.func,
                attempt=first.executions_count + 1,
            ):
                report = self.executor.execute(
                    request,
                    heartbeat=self.leases.beater(queue, [t.id for t in tasks]),
                )
        # The last settle of the execution hands the next task to run
        # (``then_start``, sparing it a round trip); the last of the claim says so
        # (``claim_done``: the store drops its answer to a re-sent claim).
        for index, task in enumerate(tasks):
            last = index == len(tasks) - 1
            then_start = self.leases.then_start() if last else None
            claim_done = last and self.leases.next_up is None and not self.leases.held
            log = self.log_for(task)
            if self.settler.settle(
                task, report, log, then_start=then_start, claim_done=claim_done
            ):
                self.leases.handed(then_start)

    def _queue_next_period(self, func: Any, task: StoredTask) -> None:
        """Before a periodic function runs, queue its next period (compat 5.10)."""
        schedule = schedule_of(func)
        if schedule is None or task.data is None:
            return
        data = task.data
        when = self.persist(
            lambda: queue_next_period(
                self.store,
                data,
                queue=task.queue,
                schedule=schedule,
                now=self.clock.now(),
                owner=self.owner,
            )
        )
        if when is not None:
            self.log_for(task).info("queued periodic task", when=when)

    def _lock_or_defer(self, task: StoredTask) -> bool:
        """Take the task's lock; if it is busy, reschedule the task (transition 7)."""
        data = task.data
        if data is None or self.persist(lambda: self.guards.lock_task(data)):
            return True
        log = self.log_for(task)
        log.info("could not acquire lock")
        retry_at = self.clock.now() + self.config.LOCK_RETRY
        try:
            self.persist(
                lambda: self.store.defer(
                    task.queue, task.id, owner=self.owner, score=retry_at
                )
            )
        except LeaseLost as exc:
            log.warning("lease lost", reason=str(exc))
        return False

    def log_for(self, task: StoredTask) -> Any:
        """The worker's logger bound to ``task``'s id, queue, function and attempt."""
        log = self.log.bind(task_id=task.id, queue=task.queue)
        if task.data is None:
            return log
        return log.bind(func=task.data.func, attempt=task.executions_count + 1)
