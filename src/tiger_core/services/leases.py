"""Leases: the claimed tasks one worker holds in ``active``, and their heartbeats.

A claim may hand a worker more tasks than it runs at once: prefetched tasks (of
one queue or, with a shared claim, of several) and the later groups of a batch.
They wait in ``active`` under the worker's id; every heartbeat of the running
execution beats them too, a task whose beat reports it lost (taken over by crash
recovery elsewhere) is never run here, and the waiting tasks of a queue tell the
store that completing one of its tasks cannot empty ``active``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any

from tiger_core.errors import LeaseLost
from tiger_core.model.task import StoredTask
from tiger_core.ports import Clock, TaskStore


class Leases:
    """The tasks one worker holds in ``active`` besides the running ones.

    Args:
        store: the task storage.
        clock: the time source.
        owner: the worker id, owner of every claimed task.
        timer: seconds after which a waiting task is beaten before it starts
            (ACTIVE_TASK_UPDATE_TIMER).
        renew: called on every heartbeat (renews the task locks and queue slots).
        log: the structlog logger.
    """

    def __init__(
        self,
        store: TaskStore,
        clock: Clock,
        *,
        owner: str,
        timer: float,
        renew: Callable[[], None],
        log: Any,
    ) -> None:
        """Hold nothing yet; no I/O happens here."""
        self.store = store
        self.clock = clock
        self.owner = owner
        self.timer = timer
        self.renew = renew
        self.log = log
        #: Claimed tasks waiting for their turn: beaten with the running ones.
        self.held: list[StoredTask] = []
        #: The tasks of the running group not settled yet.
        self.unsettled: list[StoredTask] = []
        #: (queue, id) of the claimed tasks a heartbeat reported lost.
        self.lost: set[tuple[str, str]] = set()
        self.last_beat = 0.0

    def claimed(self, now: float) -> None:
        """A claim scored its tasks' heartbeats ``now``."""
        self.last_beat = now

    def release(self) -> None:
        """Forget the waiting and lost tasks (the claim has been run)."""
        self.held = []
        self.unsettled = []
        self.lost.clear()

    def is_lost(self, task: StoredTask) -> bool:
        """Whether a heartbeat reported ``task`` taken over by someone else."""
        return (task.queue, task.id) in self.lost

    def holds_other(self, queue: str) -> bool:
        """Whether a waiting or unsettled task of ``queue`` is still held."""
        waiting = [*self.held, *self.unsettled]
        return any(t.queue == queue and not self.is_lost(t) for t in waiting)

    def give_back(
        self, tasks: Sequence[StoredTask], log_for: Callable[[StoredTask], Any]
    ) -> None:
        """Put claimed tasks that did not start back in line, due at once."""
        now = self.clock.now()
        for task in tasks:
            try:
                self.store.defer(task.queue, task.id, owner=self.owner, score=now)
            except LeaseLost as exc:
                log_for(task).warning("lease lost", reason=str(exc))

    def beat_if_due(self, queue: str, task_ids: Sequence[str]) -> None:
        """Beat before a waiting execution starts, if the last beat is too old."""
        if self.clock.now() - self.last_beat >= self.timer:
            with contextlib.suppress(LeaseLost):  # then they are in ``lost``
                self.beater(queue, task_ids)()

    def beater(self, queue: str, task_ids: Sequence[str]) -> Callable[[], None]:
        """The heartbeat of one execution; raises LeaseLost once all its tasks are lost.

        The executor then stops the execution (self-fencing): another worker has
        taken the tasks over and runs them again. The waiting tasks are beaten in
        the same beat, one store call per queue.
        """
        running = list(task_ids)

        def beat() -> None:
            now = self.clock.now()
            by_queue: dict[str, list[str]] = {queue: list(running)}
            for task in self.held:
                by_queue.setdefault(task.queue, []).append(task.id)
            for name, ids in by_queue.items():
                lost = self.store.heartbeat(name, ids, now=now, owner=self.owner)
                self.lost.update((name, task_id) for task_id in lost)
            self.last_beat = now
            mine = [i for i in running if (queue, i) in self.lost]
            if mine:
                self.log.warning("lease lost", task_ids=mine, queue=queue)
            self.renew()
            if mine and len(mine) == len(running):
                raise LeaseLost(
                    f"worker {self.owner} lost every task of this execution "
                    f"({', '.join(mine)}) in queue {queue!r}"
                )

        return beat
