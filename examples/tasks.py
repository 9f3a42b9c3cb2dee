"""Example tasks used by ``make demo``: some succeed, one fails, one times out."""

from __future__ import annotations

import signal
import time


def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


def greet(name: str) -> str:
    """Say hello."""
    return f"Hello, {name}!"


def divide(a: float, b: float) -> float:
    """Divide; ``b=0`` raises ZeroDivisionError and lands in the error queue."""
    return a / b


def sleep_forever() -> None:
    """Sleep far past its hard timeout; the soft timeout interrupts it."""
    time.sleep(3600)


def hang_ignoring_alarm() -> None:
    """Block SIGALRM and hang: only the parent's SIGKILL can stop this one."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    time.sleep(3600)
