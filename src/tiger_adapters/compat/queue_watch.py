"""QueueWatch: which queues a worker visits next, and how it waits for work.

Pub/sub mode (``POLL_TASK_QUEUES_INTERVAL == 0``, the default): the worker keeps
a set of queues believed to have work. It starts from ``P:queued``; a queue that
yields nothing leaves the set; an announcement on ``P:activity`` (a new task, a
retry, a promotion) adds it back at once. Unlike TaskTiger, the set is re-read
from ``P:queued`` every ``QUEUE_RESYNC_INTERVAL`` seconds, so a missed
announcement (a reconnect, a producer with ``PUBLISH_QUEUED_TASKS=False``) delays
a queue by at most that long instead of forever.

Polling mode (``POLL_TASK_QUEUES_INTERVAL > 0``): the set is re-read on every
iteration, and an idle worker sleeps the interval first.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection

from tiger_core.config import TigerConfig
from tiger_core.model.state import TaskState
from tiger_core.ports import TaskStore, WorkSignal

#: Longest slice of an idle wait before the stop flag is checked again.
_STOP_CHECK = 0.5


class QueueWatch:
    """The ready-queue set of one worker, fed by announcements and resyncs.

    Args:
        store: the task storage (its queue set and its work signal).
        config: the pacing settings (poll interval, select and resync timeouts).
        handles: whether this worker's queue filters accept a queue.
        stop: set when the worker should stop; it cuts waits short.
    """

    def __init__(
        self,
        store: TaskStore,
        config: TigerConfig,
        handles: Callable[[str], bool],
        stop: threading.Event,
    ) -> None:
        self._store = store
        self._config = config
        self._handles = handles
        self._stop = stop
        self._signal: WorkSignal | None = None
        self._resynced_at = -float("inf")
        #: Queues believed to have work.
        self.ready: set[str] = set()
        #: Limited queues refused a worker slot (full or paused): visited again on
        #: every iteration, without cutting the idle wait short (TaskTiger's way).
        self.blocked: set[str] = set()

    @property
    def polling(self) -> bool:
        """Whether the worker polls instead of listening for announcements."""
        return self._config.POLL_TASK_QUEUES_INTERVAL > 0

    def open(self) -> None:
        """Subscribe to announcements (pub/sub mode), then read the queue set."""
        if not self.polling:
            self._signal = self._store.work_signal()
        self.resync()

    def close(self) -> None:
        """End the subscription."""
        if self._signal is not None:
            self._signal.close()
            self._signal = None

    def resync(self) -> None:
        """Add every queue of ``P:queued`` that this worker handles."""
        queues = self._store.queue_names(TaskState.QUEUED)
        self.ready |= {queue for queue in queues if self._handles(queue)}
        self._resynced_at = time.monotonic()

    def add(self, queues: set[str]) -> None:
        """Add announced or promoted queues that this worker handles."""
        self.ready |= {queue for queue in queues if self._handles(queue)}

    def visited(
        self, queues: set[str], worked: set[str], blocked: Collection[str] = ()
    ) -> None:
        """Drop the visited queues that yielded nothing; keep the blocked ones aside."""
        self.ready -= queues - worked
        self.blocked = (set(blocked) & queues) - worked

    def wait(self, *, idle: bool) -> None:
        """Wait for work when idle (bounded by SELECT_TIMEOUT), then refresh the set."""
        if self.polling:
            if idle:
                self._stop.wait(self._config.POLL_TASK_QUEUES_INTERVAL)
            self.ready = set()
            self.resync()
            return
        assert self._signal is not None, "open() first"
        timeout = self._config.SELECT_TIMEOUT if idle and not self.ready else 0.0
        announced = self._wait_unless_stopped(self._signal, timeout)
        if announced and self._config.SELECT_BATCH_TIMEOUT > 0:
            more = min(self._config.SELECT_BATCH_TIMEOUT, self._config.SELECT_TIMEOUT)
            announced |= self._signal.wait(more)
        self.add(announced)
        interval = self._config.QUEUE_RESYNC_INTERVAL
        if time.monotonic() - self._resynced_at >= interval:
            self.resync()

    def _wait_unless_stopped(self, signal: WorkSignal, timeout: float) -> set[str]:
        """Wait in short slices so that a stop request ends the wait quickly."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            announced = signal.wait(min(max(left, 0.0), _STOP_CHECK))
            if announced or left <= _STOP_CHECK or self._stop.is_set():
                return announced
