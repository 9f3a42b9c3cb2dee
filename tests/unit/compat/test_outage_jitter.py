"""Outage backoff: exponential, capped, jittered so a fleet does not retry in step.

The random source is injected, so every wait is checked exactly.
"""

from __future__ import annotations

import random
import threading

import pytest
import redis
import structlog
from structlog.testing import capture_logs

from tiger_adapters.compat.outage import Outage


class RecordingStop(threading.Event):
    """A stop event that records each backoff wait instead of sleeping."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        """Record the wait; return at once."""
        self.waits.append(timeout or 0.0)
        return self.is_set()


def waits_of(
    rand: float | random.Random, failures: int, first: float = 0.1, cap: float = 5.0
) -> list[float]:
    """The waits of ``failures`` consecutive failures with this random source."""
    stop = RecordingStop()
    source = rand.random if isinstance(rand, random.Random) else (lambda: rand)
    outage = Outage(structlog.get_logger(), stop, first=first, cap=cap, random=source)
    for _ in range(failures):
        outage.failed(redis.ConnectionError("Connection refused"))
    return stop.waits


def test_each_wait_is_drawn_between_first_and_the_doubling_ceiling() -> None:
    """random() = 0.5: halfway between ``first`` and 0.2, 0.4, 0.8, then the cap."""
    waits = waits_of(0.5, 5, first=0.1, cap=1.0)

    assert [0.15, 0.25, 0.45, 0.55, 0.55] == pytest.approx(waits)


@pytest.mark.parametrize(
    ("rand", "expected"),
    [(0.0, [0.1, 0.1, 0.1, 0.1]), (0.999999, [0.2, 0.4, 0.8, 1.0])],
)
def test_the_extremes_stay_within_first_and_cap(
    rand: float, expected: list[float]
) -> None:
    """Never shorter than ``first`` (no spinning), never longer than ``cap``."""
    assert expected == pytest.approx(waits_of(rand, 4, first=0.1, cap=1.0), abs=1e-5)


def test_a_seeded_source_is_bounded_and_reproducible() -> None:
    """Fifty failures: every wait within [first, cap]; the same seed, the same waits."""
    waits = waits_of(random.Random(7), 50, first=0.1, cap=5.0)

    assert all(0.1 <= wait <= 5.0 for wait in waits)
    assert waits == waits_of(random.Random(7), 50, first=0.1, cap=5.0)


def test_workers_of_a_fleet_do_not_retry_in_lock_step() -> None:
    """Ten workers failing together draw ten different sets of waits."""
    fleet = [tuple(waits_of(random.Random(seed), 6)) for seed in range(10)]

    assert 10 == len(set(fleet))
    assert all(0.1 <= wait <= 5.0 for waits in fleet for wait in waits)


def test_recovery_resets_the_ceiling() -> None:
    """After ``recovered`` the next outage starts again from ``first``."""
    stop = RecordingStop()
    outage = Outage(structlog.get_logger(), stop, random=lambda: 0.999999)
    for _ in range(6):
        outage.failed(redis.TimeoutError("timeout"))
    outage.recovered()
    outage.failed(redis.TimeoutError("timeout"))

    assert 5.0 == pytest.approx(stop.waits[5], abs=1e-5)
    assert 0.2 == pytest.approx(stop.waits[-1], abs=1e-5)


def test_jitter_keeps_one_log_line_per_outage() -> None:
    """Many jittered retries still log one 'unavailable' and one 'reachable' line."""
    stop = RecordingStop()
    outage = Outage(structlog.get_logger(), stop, random=random.Random(1).random)

    with capture_logs() as logs:
        for _ in range(20):
            outage.failed(redis.ConnectionError("Connection refused"))
        outage.recovered()

    assert ["redis unavailable, retrying", "redis reachable again"] == [
        line["event"] for line in logs
    ]
    assert 20 == len(stop.waits)
