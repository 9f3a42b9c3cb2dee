"""The executors' heartbeat schedule, beaten waits and the fork server's timeout."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from tiger_adapters.executor.forkserver import start_timeout
from tiger_adapters.executor.heartbeat import Beats, wait_readable
from tiger_core.errors import LeaseLost


@pytest.fixture
def pipe() -> Iterator[tuple[int, int]]:
    read, write = os.pipe()
    yield read, write
    os.close(read)
    os.close(write)


@pytest.mark.parametrize(
    ("lease", "interval", "expected"),
    [(60, 10, 50), (1.5, 0.3, 1.2), (2, 1.5, 1), (1, 5, 0.5)],
)
def test_start_timeout_stays_below_the_lease(
    lease: float, interval: float, expected: float
) -> None:
    """The lease minus one interval, at least half the lease: always below it."""
    assert start_timeout(lease, interval) == pytest.approx(expected)
    assert start_timeout(lease, interval) < lease


def test_start_timeout_needs_a_lease() -> None:
    with pytest.raises(ValueError, match="lease"):
        start_timeout(0, 1)


def test_a_wait_beats_every_interval_until_the_deadline(
    pipe: tuple[int, int],
) -> None:
    calls: list[float] = []
    beats = Beats(lambda: calls.append(time.monotonic()), 0.05)
    started = time.monotonic()

    ready = wait_readable(pipe[0], started + 0.5, beats, fences=True)

    assert not ready
    assert 7 <= len(calls) <= 11
    assert time.monotonic() - started >= 0.5


def test_a_wait_ends_when_the_descriptor_is_readable(pipe: tuple[int, int]) -> None:
    os.write(pipe[1], b"x")
    beats = Beats(lambda: None, 0.05)

    assert wait_readable(pipe[0], time.monotonic() + 5, beats, fences=True)


def test_a_fencing_wait_raises_on_lease_lost(pipe: tuple[int, int]) -> None:
    def lost() -> None:
        raise LeaseLost("w2 has it")

    beats = Beats(lost, 0.05)
    started = time.monotonic()

    with pytest.raises(LeaseLost):
        wait_readable(pipe[0], started + 5, beats, fences=True)

    assert time.monotonic() - started < 1
    assert beats.lost


def test_a_wait_without_fencing_goes_on_without_beats(pipe: tuple[int, int]) -> None:
    calls: list[int] = []

    def lost() -> None:
        calls.append(1)
        raise LeaseLost("w2 has it")

    beats = Beats(lost, 0.05)

    assert not wait_readable(pipe[0], time.monotonic() + 0.4, beats, fences=False)
    assert [1] == calls  # no beat after the lease was reported lost
    assert not beats.beat_if_due()


def test_other_heartbeat_errors_keep_the_beats_going(pipe: tuple[int, int]) -> None:
    calls: list[int] = []

    def down() -> None:
        calls.append(1)
        raise ConnectionError("redis down")

    beats = Beats(down, 0.05)

    assert not wait_readable(pipe[0], time.monotonic() + 0.3, beats, fences=True)
    assert len(calls) >= 3
    assert not beats.lost
