"""Jepsen-style accounting of a chaos run: what was acknowledged, run, lost, doubled.

A task is identified by its *key* (an argument the test chooses), so the checker
works even when Redis forgot the task's id. ``acknowledged`` maps each key whose
``delay`` returned to the task id it got.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis

from tests.chaos.recorder import read_records

STATES = ("queued", "scheduled", "active", "error")


@dataclass
class Ledger:
    """What the producers tried and what Redis acknowledged."""

    attempted: int = 0
    acknowledged: dict[str, str] = field(default_factory=dict)
    enqueue_errors: list[str] = field(default_factory=list)

    def delay(self, producer: Any, func: Any, key: str, **options: Any) -> None:
        """Enqueue ``func(key, ...)``, counting an error instead of raising it."""
        self.attempted += 1
        kwargs = {"key": key, **options.pop("kwargs", {})}
        try:
            task = producer.delay(func, kwargs=kwargs, **options)
        except redis.RedisError as exc:
            self.enqueue_errors.append(f"{type(exc).__name__}: {exc}")
        else:
            self.acknowledged[key] = task.id


def state_counts(client: redis.Redis, prefix: str = "t") -> dict[str, int]:
    """Tasks per state, summed over every queue."""
    counts: dict[str, int] = {}
    for state in STATES:
        queues = [str(q) for q in client.smembers(f"{prefix}:{state}")]
        counts[state] = sum(int(client.zcard(f"{prefix}:{state}:{q}")) for q in queues)
    return counts


def error_ids(client: redis.Redis, prefix: str = "t") -> set[str]:
    """Ids of the tasks in the error state of every queue."""
    ids: set[str] = set()
    for queue in client.smembers(f"{prefix}:error"):
        ids |= {str(i) for i in client.zrange(f"{prefix}:error:{queue!s}", 0, -1)}
    return ids


def wait_drained(
    client: redis.Redis, timeout: float, *, states: tuple[str, ...] = STATES[:3]
) -> float | None:
    """Wait until no task is in ``states``; seconds taken, or None at the timeout."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            counts = state_counts(client)
        except redis.RedisError:
            counts = {"queued": 1}
        if not any(counts.get(state, 0) for state in states):
            return time.monotonic() - start
        time.sleep(0.1)
    return None


def overlaps(records: list[dict[str, Any]]) -> tuple[int, float]:
    """Pairs of executions of one group that ran at once, and their total seconds."""
    by_group: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for line in records:
        if line["event"] == "end" and line.get("group"):
            by_group[line["group"]].append((line["started"], line["t"]))
    count, seconds = 0, 0.0
    for intervals in by_group.values():
        intervals.sort()
        for i, (_, end) in enumerate(intervals):
            for other_start, other_end in intervals[i + 1 :]:
                if other_start >= end:
                    break
                count += 1
                seconds += min(end, other_end) - other_start
    return count, round(seconds, 3)


def account(
    ledger: Ledger, records_path: Path, client: redis.Redis | None
) -> dict[str, Any]:
    """The figures of a run, after the queue drained.

    ``lost`` counts acknowledged keys that neither completed nor sit in the error
    state (an error record is a visible outcome, not a loss).
    """
    records = read_records(records_path)
    ends = Counter(r["key"] for r in records if r["event"] == "end")
    starts = Counter(r["key"] for r in records if r["event"] == "start")
    errored = error_ids(client) if client is not None else set()
    counts = state_counts(client) if client is not None else {}
    settled = {
        k for k, tid in ledger.acknowledged.items() if k in ends or tid in errored
    }
    overlapping, overlap_s = overlaps(records)
    return {
        "attempted": ledger.attempted,
        "acknowledged": len(ledger.acknowledged),
        "enqueue_errors": len(ledger.enqueue_errors),
        "executed": len(ends),
        "recovered": len(set(ends) - set(ledger.acknowledged)),
        "lost": len(ledger.acknowledged) - len(settled),
        "duplicated": sum(ends.values()) - len(ends),
        "reruns": sum(starts.values()) - len(starts),
        "errored": len(errored & set(ledger.acknowledged.values())),
        "stuck": counts.get("active", 0),
        "overlapping": overlapping,
        "overlap_s": overlap_s,
    }
