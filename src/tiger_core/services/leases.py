"""Leases: the claimed tasks one worker holds in ``active``, and their heartbeats.

A claim may hand a worker more tasks than it runs at once: prefetched tasks (of
one queue or, with a shared claim, of several) and the later groups of a batch.
They wait in ``active`` under the worker's lease, *held*: every heartbeat of the
running execution beats them too, a task whose beat reports it lost (taken over
elsewhere) is never run here, and crash recovery puts a held task back in
``queued`` with no record, because it never started.

A held task is handed to run (its lease marked started) before it runs, in the
cheapest step available: the claim itself for the first task, the settle of the
task before it (``then_start``) for the next one, and otherwise one heartbeat
with ``start`` (after a task that was deferred or taken over, and for each group
of a batch).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from tiger_core.errors import LeaseLost
from tiger_core.model.task import StoredTask
from tiger_core.ports import Clock, Persist, TaskStore

T = TypeVar("T")


def call_once(action: Callable[[], T], /) -> T:
    """The :class:`Persist` of a worker with no outage policy: one attempt."""
    return action()


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
        persist: runs a store call between executions through a storage outage.
    """

    def __init__(  # noqa: PLR0913 - collaborators, all keyword-only
        self,
        store: TaskStore,
        clock: Clock,
        *,
        owner: str,
        timer: float,
        renew: Callable[[], None],
        log: Any,
        persist: Persist = call_once,
    ) -> None:
        """Hold nothing yet; no I/O happens here."""
        self.store = store
        self.clock = clock
        self.owner = owner
        self.timer = timer
        self.renew = renew
        self.log = log
        self.persist = persist
        #: Claimed tasks waiting for their turn: beaten with the running ones.
        self.held: list[StoredTask] = []
        #: The task that runs after the current execution, if any.
        self.next_up: StoredTask | None = None
        #: (queue, id) of the claimed tasks a heartbeat reported lost.
        self.lost: set[tuple[str, str]] = set()
        #: (queue, id) of the claimed tasks whose lease is marked started.
        self.started: set[tuple[str, str]] = set()
        self.last_beat = 0.0

    def claimed(
        self, now: float, tasks: Sequence[StoredTask], run_first: int | None
    ) -> None:
        """A claim scored ``tasks`` ``now``; its first ``run_first`` run at once."""
        self.last_beat = now
        handed = tasks if run_first is None else tasks[:run_first]
        self.started = {(task.queue, task.id) for task in handed}

    def release(self) -> None:
        """Forget the waiting and lost tasks (the claim has been run)."""
        self.held = []
        self.next_up = None
        self.lost.clear()
        self.started.clear()

    def is_lost(self, task: StoredTask) -> bool:
        """Whether a heartbeat reported ``task`` taken over by someone else."""
        return (task.queue, task.id) in self.lost

    def then_start(self) -> tuple[str, str] | None:
        """The (queue, id) a settle should hand to run: the next task, if held."""
        task = self.next_up
        if task is None or self.is_lost(task) or self.is_started(task):
            return None
        return (task.queue, task.id)

    def handed(self, then_start: tuple[str, str] | None) -> None:
        """A settle went through with ``then_start``: that task is started now."""
        if then_start is not None:
            self.started.add(then_start)

    def is_started(self, task: StoredTask) -> bool:
        """Whether ``task``'s lease is known to be marked started."""
        return (task.queue, task.id) in self.started

    def give_back(
        self, tasks: Sequence[StoredTask], log_for: Callable[[StoredTask], Any]
    ) -> None:
        """Put claimed tasks that did not start back in line, due at once."""
        now = self.clock.now()
        for task in tasks:
            defer = functools.partial(
                self.store.defer, task.queue, task.id, owner=self.owner, score=now
            )
            try:
                self.persist(defer)
            except LeaseLost as exc:
                log_for(task).warning("lease lost", reason=str(exc))

    def prepare(self, queue: str, tasks: Sequence[StoredTask]) -> None:
        """Before ``tasks`` run: hand them to run if needed, else beat if due.

        Marking a task started is a heartbeat (``start``), so the waiting tasks
        are beaten with it; a task reported lost is left out by the caller.
        """
        ids = [task.id for task in tasks]
        if all(self.is_started(task) for task in tasks):
            if self.clock.now() - self.last_beat < self.timer:
                return
            start = False
        else:
            start = True
        with contextlib.suppress(LeaseLost):  # then they are in ``lost``
            self.persist(self.beater(queue, ids, start=start))
        if start:
            self.started.update((queue, i) for i in ids if (queue, i) not in self.lost)

    def beater(
        self, queue: str, task_ids: Sequence[str], *, start: bool = False
    ) -> Callable[[], None]:
        """The heartbeat of one execution; raises LeaseLost once all its tasks are lost.

        The executor then stops the execution (self-fencing): another worker has
        taken the tasks over and runs them again. The waiting tasks are beaten in
        the same beat, one store call per queue. With ``start``, the execution's
        own tasks are also handed to run.
        """
        running = list(task_ids)

        def beat() -> None:
            now = self.clock.now()
            for name, ids, starting in self._beats(queue, running, start):
                lost = self.store.heartbeat(
                    name, ids, now=now, owner=self.owner, start=starting
                )
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

    def _beats(
        self, queue: str, running: list[str], start: bool
    ) -> list[tuple[str, list[str], bool]]:
        """(queue, ids, start) per heartbeat call: the running tasks, then the held."""
        calls: list[tuple[str, list[str], bool]] = []
        if start:
            calls.append((queue, list(running), True))
        by_queue: dict[str, list[str]] = {} if start else {queue: list(running)}
        for task in self.held:
            by_queue.setdefault(task.queue, []).append(task.id)
        calls += [(name, ids, False) for name, ids in by_queue.items()]
        return calls
