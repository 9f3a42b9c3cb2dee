"""SystemClock: wall-clock time for workers and producers."""

from __future__ import annotations

import time


class SystemClock:
    """The local wall clock (``time.time``)."""

    def now(self) -> float:
        """Return the current time in epoch seconds."""
        return time.time()
