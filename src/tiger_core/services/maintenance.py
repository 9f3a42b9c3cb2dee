"""Fleet housekeeping run by every worker: promotion and crash recovery.

Both steps are rate-limited across the fleet with TaskTiger's locks, so adding
workers does not add load: promotion once per ``QUEUE_SCHEDULED_TASKS_TIME`` per
worker group (``P:lockv2:queue_scheduled_tasks:<group>``), the expiry scan once
per ``REQUEUE_EXPIRED_TASKS_INTERVAL`` for everyone
(``P:lockv2:queue_expired_tasks``, released early after a full batch).

A task whose worker died (no heartbeat for ``ACTIVE_TASK_UPDATE_TIMEOUT``) is
taken over only if it is still expired at that moment. A task the worker held
behind another and never handed to run goes back to ``queued`` with no record.
A task that was handed to run gets a record saying the worker was lost: it is
queued again when its ``retry_on`` covers ``JobTimeoutException`` and its retry
policy allows another attempt, else it goes to ``error`` (TaskTiger's
conservative rule, compat 5.8).

No lease can be renewed while the store is down, so the scan waits until the
store has been up for a full lease plus the workers' reconnect backoff
(``uptime``, ``restart_grace``) before it judges any: a worker that rode out a
Redis restart settles and heartbeats first. The scan also
sweeps lease records that match no active claim (left by TaskTiger workers,
whose recovery knows nothing of them).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection
from typing import Any

from tiger_core.config import TigerConfig
from tiger_core.errors import JobTimeoutException
from tiger_core.functions import exception_name, import_attribute
from tiger_core.model.execution import ExecutionRecord
from tiger_core.model.state import Takeover, TaskState
from tiger_core.model.task import StoredTask
from tiger_core.policies.retry import exception_matches
from tiger_core.ports import Clock, TaskStore
from tiger_core.services.periodic import queue_next_period, schedule_of
from tiger_core.services.settle import retry_delay

#: The rate-limit name of the expired-task scan (``P:lockv2:<name>``).
EXPIRED_SCAN = "queue_expired_tasks"
#: The exception name recorded when a task's worker was lost.
JOB_TIMEOUT = exception_name(JobTimeoutException)


def worker_group(only: Collection[str], exclude: Collection[str]) -> str:
    """TaskTiger's worker-group id: sha256 of ``[sorted(only), sorted(exclude)]``."""
    text = json.dumps([sorted(only), sorted(exclude)])
    return hashlib.sha256(text.encode()).hexdigest()


class Maintenance:
    """Promotes due scheduled tasks and recovers tasks of lost workers.

    Args:
        store: the task storage.
        clock: the time source.
        config: the validated configuration.
        owner: this worker's id (named in records of tasks it takes over).
        host: the host name written into execution records.
        handles: whether this worker's queue filters accept a queue.
        group: the worker group id (see :func:`worker_group`).
        log: the worker's structlog logger.
        restart_grace: seconds workers may take to reconnect after the storage
            restarted; added to the lease before heartbeats are judged again.
    """

    def __init__(  # noqa: PLR0913 - collaborators, all keyword-only
        self,
        store: TaskStore,
        clock: Clock,
        config: TigerConfig,
        *,
        owner: str,
        host: str,
        handles: Callable[[str], bool],
        group: str,
        log: Any,
        restart_grace: float = 0.0,
    ) -> None:
        """Bind the collaborators; no I/O happens here."""
        self.store = store
        self.clock = clock
        self.config = config
        self.owner = owner
        self.host = host
        self.handles = handles
        self.promotion_lock = f"queue_scheduled_tasks:{group}"
        self.log = log
        self.restart_grace = restart_grace

    def promote(self, *, throttled: bool = True) -> set[str]:
        """Move due scheduled tasks to queued; return the queues that got some."""
        now = self.clock.now()
        interval = self.config.QUEUE_SCHEDULED_TASKS_TIME if throttled else 0
        if not self.store.throttle(self.promotion_lock, interval=interval, now=now):
            return set()
        promoted: set[str] = set()
        for queue in self.store.queue_names(TaskState.SCHEDULED):
            if self.handles(queue) and self.store.promote_due(
                queue, now=now, limit=self.config.SCHEDULED_TASK_BATCH_SIZE
            ):
                promoted.add(queue)
        return promoted

    def recover_expired(self) -> int:
        """Take over tasks whose heartbeat expired; return how many were found."""
        now = self.clock.now()
        interval = self.config.REQUEUE_EXPIRED_TASKS_INTERVAL
        if not self.store.throttle(EXPIRED_SCAN, interval=interval, now=now):
            return 0
        timeout = self.config.ACTIVE_TASK_UPDATE_TIMEOUT
        uptime = self.store.uptime()
        if uptime is not None and uptime < timeout + self.restart_grace:
            return 0  # restarted: nobody could heartbeat while it was down
        cutoff = now - timeout
        batch = self.config.REQUEUE_EXPIRED_TASKS_BATCH_SIZE
        found = 0
        for queue in sorted(self.store.queue_names(TaskState.ACTIVE)):
            for task in self.store.expired(queue, cutoff=cutoff, limit=batch - found):
                found += 1
                self._take_over(task, cutoff=cutoff, now=now)
            dropped = self.store.sweep_leases(queue, limit=batch)
            if dropped:
                self.log.info("dropped stale leases", queue=queue, count=dropped)
            if found >= batch:
                self.store.release_throttle(EXPIRED_SCAN)  # let the next one go on
                break
        return found

    def _take_over(self, task: StoredTask, *, cutoff: float, now: float) -> None:
        log = self.log.bind(task_id=task.id, queue=task.queue, owner=task.owner)
        if task.data is None:
            done = self.store.reclaim_expired(
                task.queue, task.id, cutoff=cutoff, record=None, to_state=None, score=0
            )
            if done is Takeover.TAKEN_OVER:
                log.warning("not found", problem=task.problem)
            elif done is Takeover.REQUEUED_UNSTARTED:
                log.info("queueing held task that never started")
            return
        record = self._lost_record(task, now=now)
        retry_on = task.data.retry_on or []
        retriable = exception_matches(JOB_TIMEOUT, retry_on) and (
            retry_delay(
                task.data,
                record,
                attempt=task.executions_count + 1,
                default=self.config.DEFAULT_RETRY_METHOD,
            )
            is not None
        )
        to_state = TaskState.QUEUED if retriable else TaskState.ERROR
        done = self.store.reclaim_expired(
            task.queue,
            task.id,
            cutoff=cutoff,
            record=record,
            to_state=to_state,
            score=now,
        )
        if done is Takeover.NONE:
            return  # a heartbeat came in after all: the worker lives
        if done is Takeover.REQUEUED_UNSTARTED:
            log.info("queueing held task that never started", func=task.data.func)
            return
        event = "queueing expired task" if retriable else "failing expired task"
        log.warning(event, func=task.data.func, heartbeat=task.score)
        if not retriable:
            self._keep_periodic(task, now=now)

    def _lost_record(self, task: StoredTask, *, now: float) -> ExecutionRecord:
        timeout = self.config.ACTIVE_TASK_UPDATE_TIMEOUT
        text = (
            f"worker {task.owner or '<unknown>'} stopped heartbeating (last "
            f"heartbeat at {task.score}, lease timeout {timeout:g} s); task "
            f"taken over by worker {self.owner}\n"
        )
        return ExecutionRecord(
            time_started=task.score,
            exception_name=JOB_TIMEOUT,
            time_failed=now,
            traceback=text,
            host=self.host,
        )

    def _keep_periodic(self, task: StoredTask, *, now: float) -> None:
        """Queue the next period of a periodic task whose run was lost."""
        assert task.data is not None
        try:
            schedule = schedule_of(import_attribute(task.data.func))
        except ImportError:
            return
        if schedule is not None:
            queue_next_period(
                self.store,
                task.data,
                queue=task.queue,
                schedule=schedule,
                now=now,
                owner=None,
            )
