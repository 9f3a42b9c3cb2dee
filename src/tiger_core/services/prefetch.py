"""Prefetching: how many tasks one claim takes from a non-batch queue.

A deep queue of fast tasks is cheaper to drain when one claim takes several
tasks: one script and one read per round trip instead of per task. The tasks
are still run one by one, each as its own execution. The claim size of a queue
starts at 1 and doubles (up to ``PREFETCH_TASKS``) while claims come back full
and their tasks average less than :data:`FAST_TASK` seconds; a slower batch or a
short queue brings it back down, so slow tasks are never held back behind each
other for long and other workers get their share of a shallow queue.

Plain queues (no worker limit, no batch size) may share one claim: the worker
visits several in its random order and takes from each up to its own claim size,
with a total for the whole claim that adapts the same way (from 1, doubling up
to ``PREFETCH_TASKS`` while shared claims come back full and fast, back to 1
after slow tasks), so many small queues are drained with few round trips
without ever holding slow tasks back behind each other.

Prefetched tasks wait in ``active`` under the claiming worker: they are included
in every heartbeat of the running task, heartbeated before they start when the
last beat is older than ``ACTIVE_TASK_UPDATE_TIMER``, put back (``defer``, due
at once) when the worker is asked to stop, and recovered like any other active
task (``ACTIVE_TASK_UPDATE_TIMEOUT``) if the worker dies.

Prefetching is opt-in (``PREFETCH_TASKS`` defaults to 1): a crashed worker's held
tasks that never started are then recovered like running ones (a
JobTimeoutException record; ``error`` unless ``retry_on`` covers it), where
TaskTiger would still have them queued.
"""

from __future__ import annotations

from collections.abc import Sequence

#: Average seconds per task under which a full claim lets the next one grow.
FAST_TASK = 0.025


class PrefetchSizes:
    """The adaptive claim size of each queue of one worker.

    Args:
        limit: the most tasks one claim may take (``PREFETCH_TASKS``).
    """

    def __init__(self, limit: int) -> None:
        """Start every queue at a claim size of 1."""
        self.limit = max(int(limit), 1)
        self._shared = 1
        self._sizes: dict[str, int] = {}

    def size(self, queue: str) -> int:
        """How many tasks the next claim of ``queue`` asks for."""
        return self._sizes.get(queue, 1)

    def record(self, queue: str, *, asked: int, claimed: int, seconds: float) -> None:
        """Adapt the next claim size of ``queue`` to what this claim gave.

        Args:
            queue: the queue claimed from.
            asked: the claim size asked for.
            claimed: how many tasks the claim returned.
            seconds: how long claiming and running them took.
        """
        if claimed == 0:
            self._sizes.pop(queue, None)
            return
        fast = seconds / claimed < FAST_TASK
        if claimed >= asked and fast:
            size = min(asked * 2, self.limit)
        elif fast:
            size = max(claimed, 1)
        else:
            size = 1
        if size > 1:
            self._sizes[queue] = size
        else:
            self._sizes.pop(queue, None)

    def shared_size(self) -> int:
        """How many tasks in all the next shared claim (several queues) asks for."""
        return self._shared

    def record_shared(
        self,
        asked: Sequence[tuple[str, int]],
        claimed: Sequence[int],
        *,
        total: int,
        seconds: float,
    ) -> None:
        """Adapt the shared total and the sizes of the queues one shared claim visited.

        Args:
            asked: the visited (queue, claim size) pairs, in the order visited.
            claimed: how many tasks each of them gave.
            total: the claim's total (``shared_size`` when it was made).
            seconds: how long claiming and running all of them took.
        """
        got_all = sum(claimed)
        if got_all and seconds / got_all >= FAST_TASK:
            self._shared = 1
        elif got_all >= total:  # full and fast (an empty claim tells nothing)
            self._shared = min(total * 2, self.limit)
        left = total
        for (queue, size), got in zip(asked, claimed, strict=True):
            wanted = min(size, left)
            left -= got
            share = seconds * got / got_all if got_all else seconds
            if got and wanted < size and got >= wanted:
                # Cut short by the claim's total, not by the queue: keep its size
                # (unless its tasks were slow).
                if share / got >= FAST_TASK:
                    self._sizes.pop(queue, None)
                continue
            self.record(queue, asked=wanted, claimed=got, seconds=share)
