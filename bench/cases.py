"""What ``make bench`` and ``make bench-quick`` run: scenarios, sizes, repetitions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Case:
    """One scenario with its parameters, run ``reps`` times on every system."""

    key: str
    title: str
    scenario: str
    params: dict[str, Any] = field(default_factory=dict)
    reps: int = 3


def full_cases() -> list[Case]:
    """The ``make bench`` set (about 10 minutes on 2 cores)."""
    return _cases(
        enqueue=5000,
        bulk=20_000,
        fork=500,
        sync=2000,
        latency=200,
        commands=500,
        memory=10_000,
        spread=(1000, 1000, 200),
        backlogs=(10_000, 1_000_000),
        backlog_k=(5000, 1000),
        scheduled=1000,
        reps=3,
    )


def quick_cases() -> list[Case]:
    """The ``make bench-quick`` set (reduced sizes, one repetition)."""
    return _cases(
        enqueue=1000,
        bulk=5000,
        fork=100,
        sync=300,
        latency=50,
        commands=100,
        memory=2000,
        spread=(300, 1000, 100),
        backlogs=(10_000, 100_000),
        backlog_k=(1500, 300),
        scheduled=200,
        reps=1,
    )


def _cases(  # noqa: PLR0913 - one keyword per size knob
    *,
    enqueue: int,
    bulk: int,
    fork: int,
    sync: int,
    latency: int,
    commands: int,
    memory: int,
    spread: tuple[int, int, int],
    backlogs: tuple[int, int],
    backlog_k: tuple[int, int],
    scheduled: int,
    reps: int,
) -> list[Case]:
    spread_n, subqueues, rq_n = spread
    small, large = backlogs
    backlog = {"enqueue_k": backlog_k[0], "k": backlog_k[1], "reps": reps}
    return [
        Case(
            "enqueue",
            f"1. Enqueue, one task per call ({enqueue} tasks)",
            "enqueue",
            {"n": enqueue},
            reps,
        ),
        Case(
            "enqueue_bulk",
            f"1. Bulk enqueue, 1000 per call ({bulk} tasks)",
            "enqueue_bulk",
            {"n": bulk, "batch": 1000},
            reps,
        ),
        Case(
            "drain_fork",
            f"2. Drain {fork} tasks, fork executor",
            "drain",
            {"n": fork, "executor": "fork"},
            reps,
        ),
        Case(
            "drain_sync",
            f"3. Drain {sync} tasks, sync executor",
            "drain",
            {"n": sync, "executor": "sync"},
            reps,
        ),
        Case(
            "latency",
            f"4. Pickup latency, {latency} tasks 20 ms apart, fork",
            "latency",
            {"n": latency, "interval_s": 0.02, "executor": "fork"},
            reps,
        ),
        Case(
            "commands",
            f"5. Redis commands per task (fork drain of {commands})",
            "commands",
            {"n": commands, "executor": "fork"},
            1,
        ),
        Case(
            "memory",
            f"5. Redis memory per queued task ({memory} tasks)",
            "memory",
            {"n": memory},
            1,
        ),
        Case(
            "subqueues_1",
            f"6. Drain {spread_n} tasks (sync), 1 queue",
            "subqueues",
            {"n": spread_n, "queues": 1, "executor": "sync"},
            reps,
        ),
        Case(
            "subqueues_many",
            f"6. Drain {spread_n} tasks (sync), {subqueues} subqueues",
            "subqueues",
            {"n": spread_n, "queues": subqueues, "executor": "sync", "rq_n": rq_n},
            reps,
        ),
        Case(
            "backlog_small",
            f"6. Enqueue / pop (sync) with {small:,} queued",
            "backlog",
            {"backlog": small, **backlog},
            1,
        ),
        Case(
            "backlog_large",
            f"6. Enqueue / pop (sync) with {large:,} queued",
            "backlog",
            {"backlog": large, **backlog},
            1,
        ),
        Case(
            "scheduled",
            f"6. {scheduled} scheduled tasks due at once (sync)",
            "scheduled",
            {"n": scheduled, "lead_s": 1.0, "executor": "sync"},
            reps,
        ),
    ]
