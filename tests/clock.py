"""FrozenClock: a clock that only moves when a test moves it."""

from __future__ import annotations


class FrozenClock:
    """A Clock whose time is set by the test."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.current = now

    def now(self) -> float:
        """Return the frozen time."""
        return self.current

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.current += seconds
