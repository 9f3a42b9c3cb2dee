"""Guards: task locks and per-queue worker limits (compat sections 3.2, 5.5, 5.9).

Pure decisions (which lock ids a task needs, how many workers a queue allows)
plus :class:`Guards`, which holds one worker's locks and queue slots through a
:class:`~tiger_core.ports.LockStore` and renews them with its heartbeat.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from tiger_core.errors import ConfigError
from tiger_core.model.queue_name import dotted_prefixes
from tiger_core.model.task import TaskData
from tiger_core.policies.unique import LockPolicy
from tiger_core.ports import Clock, LockStore


def task_lock_ids(data: TaskData) -> list[str]:
    """Return the lock ids a task must hold while it runs (empty: no lock).

    The id is TaskTiger's: the unique id over the whole call for ``lock=True``
    (so it equals the task id of a unique task with the same call), or over the
    ``lock_key`` keyword arguments only.
    """
    if not (data.lock or data.lock_key):
        return []
    keys = data.lock_key
    policy = LockPolicy(keys=tuple(keys) if isinstance(keys, list) else keys)
    return [policy.lock_id(data.func, data.call_args, data.call_kwargs)]


def queue_worker_limit(
    queue: str,
    *,
    single_worker_queues: Collection[str],
    max_workers_per_queue: int | None,
) -> int | None:
    """Return how many workers may process ``queue`` at once (None: no limit).

    A queue in ``single_worker_queues``, or a subqueue of one, allows one worker;
    any other queue allows ``max_workers_per_queue``.
    """
    if any(prefix in single_worker_queues for prefix in dotted_prefixes(queue)):
        return 1
    return max_workers_per_queue


class Guards:
    """The task locks and queue slots one worker holds during a cycle.

    Args:
        locks: the lock storage; None disables locks and limits.
        clock: the time source.
        owner: the worker id: the token of its locks and the member of its slots.
        ttl: how long a lock or slot lasts without renewal
            (ACTIVE_TASK_UPDATE_TIMEOUT).
        single_worker_queues: queues (and subqueues) limited to one worker.
        max_workers_per_queue: the limit of every other queue (None: no limit).
        log: the structlog logger for lost locks and slots.

    Raises:
        ConfigError: a limit is set but there is no lock storage, or the limit
            is below 1.
    """

    def __init__(  # noqa: PLR0913 - keyword-only collaborators and settings
        self,
        locks: LockStore | None,
        clock: Clock,
        *,
        owner: str,
        ttl: float,
        single_worker_queues: Collection[str] = (),
        max_workers_per_queue: int | None = None,
        log: Any,
    ) -> None:
        """Check the settings; no I/O happens here."""
        if max_workers_per_queue is not None and max_workers_per_queue < 1:
            raise ConfigError(
                f"max_workers_per_queue must be >= 1, got {max_workers_per_queue}"
            )
        limited = max_workers_per_queue is not None or bool(single_worker_queues)
        if locks is None and limited:
            raise ConfigError(
                "max_workers_per_queue and SINGLE_WORKER_QUEUES need a LockStore"
            )
        self.locks = locks
        self.clock = clock
        self.owner = owner
        self.ttl = ttl
        self.single_worker_queues = tuple(single_worker_queues)
        self.max_workers_per_queue = max_workers_per_queue
        self.log = log
        self._slots: set[str] = set()
        self._held: list[str] = []
        #: Limited queues whose last slot request was refused (full or paused):
        #: a worker keeps them in view, as TaskTiger does, and tries again later.
        self.refused: set[str] = set()

    def limit(self, queue: str) -> int | None:
        """Return the worker limit of ``queue`` (None: unlimited)."""
        return queue_worker_limit(
            queue,
            single_worker_queues=self.single_worker_queues,
            max_workers_per_queue=self.max_workers_per_queue,
        )

    def enter_queue(self, queue: str) -> bool:
        """Take a slot of ``queue`` if it is limited; False means skip it for now."""
        limit = self.limit(queue)
        if limit is None or self.locks is None:
            return True
        granted = self.locks.acquire_slot(
            queue, owner=self.owner, limit=limit, ttl=self.ttl, now=self.clock.now()
        )
        if granted:
            self._slots.add(queue)
            self.refused.discard(queue)
        else:
            self.refused.add(queue)
        return granted

    def leave_queue(self, queue: str) -> None:
        """Give back the slot of ``queue`` taken by :meth:`enter_queue`, if any."""
        if queue in self._slots and self.locks is not None:
            self._slots.discard(queue)
            self.locks.release_slot(queue, owner=self.owner)

    def lock_task(self, data: TaskData) -> bool:
        """Take the task's locks; False means one is busy and the task must wait.

        A lock this worker already holds (a twin in the same batch) is shared.
        """
        wanted = task_lock_ids(data)
        if not wanted or self.locks is None:
            return True
        held = self.locks.acquire_locks(
            wanted, token=self.owner, ttl=self.ttl, now=self.clock.now()
        )
        self._held.extend(lock_id for lock_id in held if lock_id not in self._held)
        return len(held) == len(wanted)

    def unlock_tasks(self) -> None:
        """Release every task lock taken by :meth:`lock_task`."""
        if self._held and self.locks is not None:
            held, self._held = self._held, []
            self.locks.release_locks(held, token=self.owner)

    def renew(self) -> None:
        """Extend the held locks and slots (called from the heartbeat)."""
        if self.locks is None:
            return
        now = self.clock.now()
        if self._held:
            lost = self.locks.renew_locks(
                self._held, token=self.owner, ttl=self.ttl, now=now
            )
            for lock_id in lost:
                self.log.warning("task lock lost", lock_id=lock_id)
        for queue in sorted(self._slots):
            renewed = self.locks.acquire_slot(
                queue,
                owner=self.owner,
                limit=self._slot_limit(queue),
                ttl=self.ttl,
                now=now,
            )
            if not renewed:
                self.log.warning("queue slot lost", queue=queue)

    def _slot_limit(self, queue: str) -> int:
        return self.limit(queue) or 1
