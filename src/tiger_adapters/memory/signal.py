"""In-process queue announcements: the memory store's ``P:activity`` channel."""

from __future__ import annotations

import threading
import time
import weakref


class MemoryActivity:
    """Fans queue announcements out to every open subscription of one store."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._subscribers: weakref.WeakSet[MemoryWorkSignal] = weakref.WeakSet()

    def announce(self, queue: str) -> None:
        """Tell every subscription that ``queue`` has new work."""
        with self._cond:
            for subscriber in self._subscribers:
                subscriber.pending.add(queue)
            self._cond.notify_all()

    def subscribe(self) -> MemoryWorkSignal:
        """Open a subscription; announcements from now on are delivered to it."""
        signal = MemoryWorkSignal(self)
        with self._cond:
            self._subscribers.add(signal)
        return signal

    def _wait(self, signal: MemoryWorkSignal, timeout: float) -> set[str]:
        deadline = time.monotonic() + max(timeout, 0.0)
        with self._cond:
            while not signal.pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            queues, signal.pending = signal.pending, set()
            return queues

    def _unsubscribe(self, signal: MemoryWorkSignal) -> None:
        with self._cond:
            self._subscribers.discard(signal)


class MemoryWorkSignal:
    """A :class:`tiger_core.ports.WorkSignal` fed by a memory store's writes."""

    def __init__(self, activity: MemoryActivity) -> None:
        self._activity = activity
        #: Queues announced since the last :meth:`wait`.
        self.pending: set[str] = set()

    def wait(self, timeout: float) -> set[str]:
        """See :meth:`tiger_core.ports.WorkSignal.wait`."""
        return self._activity._wait(self, timeout)

    def close(self) -> None:
        """See :meth:`tiger_core.ports.WorkSignal.close`."""
        self._activity._unsubscribe(self)
