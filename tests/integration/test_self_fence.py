"""The fork executor fences itself: a lost lease or a dead parent ends the child."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.contract.executor import failure, request
from tiger_adapters.executor import ForkExecutor
from tiger_core.errors import LeaseLost

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(30)
def test_lease_lost_on_heartbeat_kills_the_child_at_once() -> None:
    """A heartbeat raising LeaseLost ends a 30 s task within a second."""
    executor = ForkExecutor(heartbeat_interval=0.05, kill_grace=0)

    def lost() -> None:
        raise LeaseLost("taken over by w2")

    started = time.monotonic()
    report = executor.execute(
        request("sleep", ([30], {}), hard_timeout=60), heartbeat=lost
    )
    took = time.monotonic() - started
    executor.close()

    assert "lease lost" in (failure(report).traceback or "")
    assert took < 5


@pytest.mark.timeout(30)
def test_other_heartbeat_errors_do_not_stop_the_child() -> None:
    """A heartbeat failing with another error (Redis down) lets the task finish."""
    executor = ForkExecutor(heartbeat_interval=0.05, kill_grace=0)

    def down() -> None:
        raise ConnectionError("redis down")

    report = executor.execute(request("sleep", ([0.3], {})), heartbeat=down)
    executor.close()

    assert report.success


SCRIPT = """
import sys
from tests.contract.executor import request
from tiger_adapters.executor import ForkExecutor
print("ready", flush=True)
ForkExecutor(heartbeat_interval=5).execute(
    request("sleep", ([30], {}), hard_timeout=60), heartbeat=lambda: None
)
"""


@pytest.mark.timeout(30)
def test_child_dies_with_its_parent() -> None:
    """SIGKILL of the executing parent ends its running child (no orphan runs on)."""
    parent = subprocess.Popen(
        [sys.executable, "-c", SCRIPT], cwd=REPO, stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)}, start_new_session=True,
    )  # fmt: skip
    assert parent.stdout is not None
    parent.stdout.readline()
    parent.stdout.close()
    time.sleep(0.5)  # the child is forked and sleeping
    group = [
        int(p)
        for p in os.listdir("/proc")
        if p.isdigit() and _pgid(int(p)) == parent.pid
    ]
    parent.kill()
    parent.wait(timeout=10)
    deadline = time.monotonic() + 5
    while [p for p in group if _alive(p)] and time.monotonic() < deadline:
        time.sleep(0.05)

    assert [] == [p for p in group if _alive(p)]


def _pgid(pid: int) -> int:
    try:
        return os.getpgid(pid)
    except OSError:
        return -1


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
