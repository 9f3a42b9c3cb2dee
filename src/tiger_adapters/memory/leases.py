"""The leases of the memory store's active tasks, as the Redis store keeps them.

A lease names the worker that claimed a task, the active score its claim or
last heartbeat wrote, and whether the task was handed to run or waits held
behind another task of the same claim (see ``redis/lua/lib/lease.lua``). The
memory store is one process, so no foreign worker re-claims behind its back;
the score check is kept anyway so that both stores answer the same contract.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lease:
    """One active task's lease."""

    owner: str
    score: float
    started: bool


class LeaseBook:
    """The leases of every active task, and each owner's last claim answer."""

    def __init__(self) -> None:
        self._leases: dict[tuple[str, str], Lease] = {}
        #: owner -> (request id, the ids of each visited queue)
        self.replies: dict[str, tuple[str, list[list[str]]]] = {}

    def grant(
        self, queue: str, task_id: str, *, owner: str, score: float, started: bool
    ) -> None:
        """Lease ``task_id`` to ``owner`` at ``score``."""
        self._leases[(queue, task_id)] = Lease(owner, score, started)

    def get(self, queue: str, task_id: str) -> Lease | None:
        """The lease record of ``task_id``, whether or not it is current."""
        return self._leases.get((queue, task_id))

    def held(
        self, queue: str, task_id: str, owner: str, active_score: float | None
    ) -> Lease | None:
        """The lease if ``owner`` holds it: the same owner and the same score."""
        lease = self._leases.get((queue, task_id))
        if lease is None or active_score is None or lease.owner != owner:
            return None
        return lease if lease.score == active_score else None

    def drop(self, queue: str, task_id: str) -> None:
        """Forget the lease of a task that left ``active``."""
        self._leases.pop((queue, task_id), None)

    def sweep(self, queue: str, active: dict[str, float]) -> int:
        """Drop the leases of ``queue`` that match no active claim; how many."""
        stale = [
            key
            for key, lease in self._leases.items()
            if key[0] == queue and active.get(key[1]) != lease.score
        ]
        for key in stale:
            del self._leases[key]
        return len(stale)
