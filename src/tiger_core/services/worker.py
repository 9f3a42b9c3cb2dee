"""WorkerCycle: one pass of a worker over its queues, with no sleeping or signals.

The steps, each a method so that other concerns hook in at one place:
``process_queue`` (queue slot, claim a batch; or ``_process_shared``: one claim
over several plain queues) → :class:`ClaimRunner` (task locks, one group = one
function, the executor call, then ``settle`` per task). ``maintain`` runs the
fleet housekeeping (promotion, crash recovery), rate-limited across workers.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Collection, Iterable, Sequence

import structlog

from tiger_core.config import TigerConfig
from tiger_core.model.queue_name import queue_matches, validate_queue_names
from tiger_core.model.state import TaskState
from tiger_core.model.task import StoredTask
from tiger_core.ports import (
    Clock,
    ErrorReporter,
    Executor,
    LockStore,
    Persist,
    TaskStore,
)
from tiger_core.services.claim_runner import ClaimRunner
from tiger_core.services.groups import batch_size
from tiger_core.services.guards import Guards
from tiger_core.services.leases import Leases, call_once
from tiger_core.services.maintenance import Maintenance, worker_group
from tiger_core.services.outcome import MALFORMED_TASK, Settler
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
        persist: runs the store calls made while claimed tasks are held (claims,
            settles, hand-overs, lock deferrals) through a storage outage; the
            heartbeats of a running execution are never held up by it.
        restart_grace: seconds a worker may take to reach the storage again
            after it restarted (its reconnect backoff): crash recovery waits a
            lease plus this long after a restart before judging any heartbeat.

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
        persist: Persist = call_once,
        restart_grace: float = 0.0,
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
        self.persist = persist
        #: Request ids of this worker's claims (a re-sent claim answers the same).
        self._claim_ids = itertools.count(1)
        self.log = structlog.get_logger(config.LOGGER_NAME).bind(worker_id=owner)
        self.settler = Settler(
            store,
            clock,
            config,
            owner=owner,
            host=host,
            reporters=reporters,
            persist=persist,
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
            restart_grace=restart_grace,
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
            persist=persist,
        )
        self.runner = ClaimRunner(
            store=store,
            executor=executor,
            clock=clock,
            config=config,
            owner=owner,
            settler=self.settler,
            guards=self.guards,
            leases=self.leases,
            persist=persist,
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
        request_id = str(next(self._claim_ids))
        visited = self.persist(
            lambda: self.store.claim_queues(
                asked,
                limit=total,
                now=now,
                owner=self.owner,
                busy_retry_at=now + self.config.LOCK_RETRY,
                run_first=1,
                request_id=request_id,
            )
        )
        claimed = [task for tasks in visited for task in tasks]
        self.leases.claimed(now, claimed, 1)
        try:
            self.runner.run_one_by_one(claimed, should_stop)
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
            run_first = 1 if size == 1 else 0  # batch groups start one by one
            request_id = str(next(self._claim_ids))
            claimed = self.persist(
                lambda: self.store.claim(
                    queue,
                    limit=limit,
                    now=now,
                    owner=self.owner,
                    busy_retry_at=now + self.config.LOCK_RETRY,
                    run_first=run_first,
                    request_id=request_id,
                )
            )
            self.leases.claimed(now, claimed, run_first)
            if size == 1:
                self.runner.run_one_by_one(claimed, should_stop)
                self.prefetch.record(
                    queue,
                    asked=limit,
                    claimed=len(claimed),
                    seconds=self.clock.now() - now,
                )
            else:
                self.runner.settle_unusable(claimed)
                self.runner.run_groups(queue, claimed)
            return bool(claimed)
        finally:
            self.guards.unlock_tasks()
            self.guards.leave_queue(queue)

    def run_task(self, task: StoredTask) -> None:
        """Run one claimed task and settle its outcome; task failures never raise."""
        self.runner.run_task(task)

    def _beater(self, queue: str, task_ids: list[str]) -> Callable[[], None]:
        """The heartbeat of one execution (see :meth:`Leases.beater`)."""
        return self.leases.beater(queue, task_ids)
