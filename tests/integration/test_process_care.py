"""tiger-worker leaves no zombies and leaks no file descriptors over many tasks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import redis

from tests.integration.test_worker_e2e import enqueue, wait_for, worker

#: Tasks per run: successes, failures and crashes mixed.
ROUNDS = 60


def open_fds(pid: int) -> int:
    """Number of file descriptors ``pid`` holds."""
    return len(os.listdir(f"/proc/{pid}/fd"))


def zombie_children(pid: int) -> list[int]:
    """Children of ``pid`` that exited and were never reaped."""
    zombies = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, parent = fields[0], int(fields[1])
        if parent == pid and state == "Z":
            zombies.append(int(entry))
    return zombies


@pytest.mark.timeout(90)
def test_no_zombies_and_no_fd_leak(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    """After many forked tasks (ok, failing, crashing) the worker holds no zombies."""
    log = tmp_path / "worker.log"
    calls = []
    for n in range(ROUNDS):
        kind = n % 3
        if kind == 0:
            calls.append({"func": "add", "args": [n, 1], "queue": "pc"})
        elif kind == 1:
            calls.append({"func": "fail", "args": ["x"], "queue": "pc"})
        else:
            calls.append({"func": "hard_exit", "args": [3], "queue": "pc"})

    with worker(redis_url, log, "-q", "pc") as process:
        enqueue(redis_url, {"func": "add", "args": [0, 0], "queue": "pc"})
        wait_for(lambda: redis_client.zcard("t:queued:pc") == 0, "warm-up", log)
        wait_for(lambda: redis_client.zcard("t:active:pc") == 0, "warm-up end", log)
        fds_before = open_fds(process.pid)
        enqueue(redis_url, *calls)
        wait_for(
            lambda: redis_client.zcard("t:error:pc") == 2 * ROUNDS // 3,
            "all failures recorded",
            log,
        )
        wait_for(lambda: redis_client.zcard("t:active:pc") == 0, "drain", log)
        fds_after = open_fds(process.pid)
        zombies = zombie_children(process.pid)

    assert [] == zombies
    assert fds_after <= fds_before + 2, (fds_before, fds_after)
