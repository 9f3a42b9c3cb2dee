"""WorkerCycle: one pass of a worker over its queues, with no sleeping or signals.

The steps, each a method so that other concerns hook in at one place:
``process_queue`` (queue slot, claim a batch; or ``_process_shared``: one claim
over several plain queues) → ``_run_group`` (task locks, one group = one
function) → ``_execute_group`` (periodic next run, executor call) → ``settle``
per task. ``maintain`` runs the fleet housekeeping (promotion, crash recovery),
rate-limited across workers.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any

import structlog

from tiger_core.config import TigerConfig
from tiger_core.errors import LeaseLost, TaskImportError
from tiger_core.functions import import_attribute
from tiger_core.model.execution import ExecutionReport
from tiger_core.model.queue_name import queue_matches, validate_queue_names
from tiger_core.model.state import TaskState
from tiger_core.model.task import StoredTask
from tiger_core.ports import Clock, ErrorReporter, Executor, LockStore, TaskStore
from tiger_core.services.groups import batch_size, build_request, group_by_function
from tiger_core.services.guards import Guards
from tiger_core.services.leases import Leases
from tiger_core.services.maintenance import Maintenance, worker_group
from tiger_core.services.outcome import MALFORMED_TASK, Settler
from tiger_core.services.periodic import queue_next_period, schedule_of
from tiger_core.services.prefetch import PrefetchSizes

__all__ = ["MALFORMED_TASK", "QUEUES_PER_CLAIM", "WorkerCycle"]

#: Most queues one shared claim visits (``process_queues``): it takes up to the
#: shared prefetch total (at most PREFETCH_TASKS) from the first that have work.
QUEUES_PER_CLAIM = 16


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
        reporters: told about every failed execution (see ``ErrorReporter``).
        locks: task locks and queue slots (None: locks and limits are ignored).
        max_workers_per_queue: most workers processing one queue at once (None:
            no limit except SINGLE_WORKER_QUEUES).

    Raises:
        ValueError: a queue name of ``only`` or ``exclude`` is invalid.
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
        reporters: Sequence[ErrorReporter] = (),
        locks: LockStore | None = None,
        max_workers_per_queue: int | None = None,
    ) -> None:
        """Bind the collaborators; no I/O happens here."""
        self.store = store
        self.executor = executor
        self.clock = clock
        self.config = config
        self.owner = owner
        self.only = validate_queue_names(only)
        self.exclude = validate_queue_names(exclude)
        self.host = host
        self.log = structlog.get_logger(config.LOGGER_NAME).bind(worker_id=owner)
        self.settler = Settler(
            store, clock, config, owner=owner, host=host, reporters=reporters
        )
        self.maintenance = Maintenance(
            store,
            clock,
            config,
            owner=owner,
            host=host,
            handles=self.handles,
            group=worker_group(self.only, self.exclude),
            log=self.log,
        )
        self.guards = Guards(
            locks,
            clock,
            owner=owner,
            ttl=config.ACTIVE_TASK_UPDATE_TIMEOUT,
            single_worker_queues=config.SINGLE_WORKER_QUEUES if locks else (),
            max_workers_per_queue=max_workers_per_queue,
            log=self.log,
        )
        self.prefetch = PrefetchSizes(config.PREFETCH_TASKS)
        self.leases = Leases(
            store,
            clock,
            owner=owner,
            timer=config.ACTIVE_TASK_UPDATE_TIMER,
            renew=self.guards.renew,
            log=self.log,
        )

    def handles(self, queue: str) -> bool:
        """Whether this worker's queue filters accept ``queue``."""
        return queue_matches(queue, self.only, self.exclude)

    def run_once(self, should_stop: Callable[[], bool] = lambda: False) -> bool:
        """Promote due tasks (not rate-limited), then visit every ready queue once.

        Returns:
            Whether any work was done.
        """
        promoted = self.maintenance.promote(throttled=False)
        queues = [
            q for q in self.store.queue_names(TaskState.QUEUED) if self.handles(q)
        ]
        return bool(self.process_queues(queues, should_stop)) or bool(promoted)

    def maintain(self) -> set[str]:
        """Promote due tasks and recover expired ones (both rate-limited).

        Returns:
            The queues that received promoted tasks.
        """
        promoted = self.maintenance.promote()
        self.maintenance.recover_expired()
        return promoted

    def promote_due(self) -> int:
        """Move due scheduled tasks of this worker's queues to queued, now."""
        return len(self.maintenance.promote(throttled=False))

    def process_queues(
        self, queues: Iterable[str], should_stop: Callable[[], bool] = lambda: False
    ) -> set[str]:
        """Visit ``queues`` once each, in random order; return those with work.

        The random order is what makes queue choice fair: a busy queue cannot
        starve the others, and no queue is favoured by its name. Consecutive
        queues with neither a worker limit nor a batch size share one claim (up
        to QUEUES_PER_CLAIM of them, each giving at most its own prefetch size,
        at most the adaptive shared total in all: see ``prefetch``), so many
        small queues cost one round trip per claim rather than one per queue;
        the others get a claim each.
        """
        order = list(queues)
        random.shuffle(order)
        shared = [self._shareable(queue) for queue in order]
        worked: set[str] = set()
        start = 0
        while start < len(order) and not should_stop():
            end = start
            while end < len(order) and shared[end] and end - start < QUEUES_PER_CLAIM:
                end += 1
            if end - start > 1:
                visited = self._process_shared(order[start:end], should_stop)
                worked.update(queue for queue, n in visited.items() if n)
                start += max(len(visited), 1)
                continue
            if self.process_queue(order[start], should_stop):
                worked.add(order[start])
            start += 1
        return worked

    def _shareable(self, queue: str) -> bool:
        """Whether ``queue`` may share a claim: no worker limit, no batch size."""
        return (
            self.guards.limit(queue) is None
            and batch_size(queue, self.config.BATCH_QUEUES) == 1
        )

    def _process_shared(
        self, queues: list[str], should_stop: Callable[[], bool]
    ) -> dict[str, int]:
        """One claim over ``queues``; run its tasks one by one.

        Returns:
            How many tasks each visited queue gave; the queues missing were not
            visited (the claim was full before them).
        """
        now = self.clock.now()
        asked = [(queue, self.prefetch.size(queue)) for queue in queues]
        total = self.prefetch.shared_size()
        visited = self.store.claim_queues(
            asked,
            limit=total,
            now=now,
            owner=self.owner,
            busy_retry_at=now + self.config.LOCK_RETRY,
        )
        self.leases.claimed(now)
        claimed = [task for tasks in visited for task in tasks]
        try:
            self._run_one_by_one(claimed, should_stop)
        finally:
            self.guards.unlock_tasks()
        counts = [len(tasks) for tasks in visited]
        seconds = self.clock.now() - now
        self.prefetch.record_shared(
            asked[: len(visited)], counts, total=total, seconds=seconds
        )
        return {queue: n for (queue, _), n in zip(asked, counts, strict=False)}

    def process_queue(
        self, queue: str, should_stop: Callable[[], bool] = lambda: False
    ) -> bool:
        """Claim up to the batch (or prefetch) size of ``queue`` and run the tasks.

        A limited queue whose slots are all taken (or that is paused) is skipped
        for now. Task locks are released after the tasks are settled, then the slot.
        A batch queue's claim is grouped by function (one execution per group);
        prefetched tasks of any other queue run one by one (see ``prefetch``).
        """
        if not self.guards.enter_queue(queue):
            return False
        try:
            now = self.clock.now()
            size = batch_size(queue, self.config.BATCH_QUEUES)
            limit = self.prefetch.size(queue) if size == 1 else size
            claimed = self.store.claim(
                queue,
                limit=limit,
                now=now,
                owner=self.owner,
                busy_retry_at=now + self.config.LOCK_RETRY,
            )
            self.leases.claimed(now)
            if size == 1:
                self._run_one_by_one(claimed, should_stop)
                self.prefetch.record(
                    queue,
                    asked=limit,
                    claimed=len(claimed),
                    seconds=self.clock.now() - now,
                )
            else:
                self._settle_unusable(claimed)
                self._run_groups(queue, claimed)
            return bool(claimed)
        finally:
            self.guards.unlock_tasks()
            self.guards.leave_queue(queue)

    def _settle_unusable(self, claimed: list[StoredTask]) -> None:
        """Drop or fail the claimed tasks whose payload is missing or garbage."""
        for task in claimed:
            if task.data is None:
                self.settler.unusable(task, self._log_for(task))

    def _run_one_by_one(
        self, claimed: list[StoredTask], should_stop: Callable[[], bool]
    ) -> None:
        """Run claimed tasks (any queues) one by one; give the rest back on a stop."""
        self._settle_unusable(claimed)
        waiting = [task for task in claimed if task.data is not None]
        started = 0
        try:
            while waiting:
                task = waiting.pop(0)
                if started and should_stop():
                    self.leases.give_back([task, *waiting], self._log_for)
                    return
                self.leases.held = list(waiting)
                self.leases.beat_if_due(task.queue, [task.id])
                if self.leases.is_lost(task):
                    continue  # taken over while it waited: not ours to run
                started += 1
                self._run_group(task.queue, [task])
                self.guards.unlock_tasks()
        finally:
            self.leases.release()

    def _run_groups(self, queue: str, claimed: list[StoredTask]) -> None:
        """Run a batch claim group by group; the waiting groups are beaten too.

        While one group runs, the tasks of the groups after it wait in ``active``
        under this worker: they are part of every heartbeat (``leases``), and a
        task reported lost meanwhile (taken over elsewhere) is not run here.
        """
        groups = group_by_function(claimed)
        try:
            for index, group in enumerate(groups):
                self.leases.held = [t for later in groups[index + 1 :] for t in later]
                self.leases.beat_if_due(queue, [t.id for t in group])
                ready = [task for task in group if not self.leases.is_lost(task)]
                if ready:
                    self._run_group(queue, ready)
        finally:
            self.leases.release()

    def run_task(self, task: StoredTask) -> None:
        """Run one claimed task and settle its outcome; task failures never raise."""
        if task.data is None:
            self.settler.unusable(task, self._log_for(task))
            return
        self._run_group(task.queue, [task])

    def _run_group(self, queue: str, tasks: list[StoredTask]) -> None:
        """Take the tasks' locks (deferring those whose lock is busy), then run them."""
        ready = [task for task in tasks if self._lock_or_defer(task)]
        if ready:
            self._execute_group(queue, ready)

    def _execute_group(self, queue: str, tasks: list[StoredTask]) -> None:
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
                    request, heartbeat=self._beater(queue, [t.id for t in tasks])
                )
        for index, task in enumerate(tasks):
            self.leases.unsettled = tasks[index + 1 :]  # [] for the last one
            self.settle(task, report, self._log_for(task))

    def settle(self, task: StoredTask, report: ExecutionReport, log: Any) -> None:
        """Complete, retry or fail the task according to ``report``.

        A success while this worker still holds other tasks of the queue tells
        the store so (``others_held``: ``active`` cannot become empty, which
        spares it a check; the last held task's completion keeps it exact).
        """
        others_held = report.success and self.leases.holds_other(task.queue)
        self.settler.settle(task, report, log, others_held=others_held)

    def _queue_next_period(self, func: Any, task: StoredTask) -> None:
        """Before a periodic function runs, queue its next period (compat 5.10)."""
        schedule = schedule_of(func)
        if schedule is None or task.data is None:
            return
        when = queue_next_period(
            self.store,
            task.data,
            queue=task.queue,
            schedule=schedule,
            now=self.clock.now(),
            owner=self.owner,
        )
        if when is not None:
            self._log_for(task).info("queued periodic task", when=when)

    def _lock_or_defer(self, task: StoredTask) -> bool:
        """Take the task's lock; if it is busy, reschedule the task (transition 7)."""
        if task.data is None or self.guards.lock_task(task.data):
            return True
        log = self._log_for(task)
        log.info("could not acquire lock")
        retry_at = self.clock.now() + self.config.LOCK_RETRY
        try:
            self.store.defer(task.queue, task.id, owner=self.owner, score=retry_at)
        except LeaseLost as exc:
            log.warning("lease lost", reason=str(exc))
        return False

    def _log_for(self, task: StoredTask) -> Any:
        log = self.log.bind(task_id=task.id, queue=task.queue)
        if task.data is None:
            return log
        return log.bind(func=task.data.func, attempt=task.executions_count + 1)

    def _beater(self, queue: str, task_ids: list[str]) -> Callable[[], None]:
        """The heartbeat of one execution (see :meth:`Leases.beater`)."""
        return self.leases.beater(queue, task_ids)
