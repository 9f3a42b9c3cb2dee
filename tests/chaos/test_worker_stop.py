"""C3, C4, C5: graceful SIGTERM, a hung (stopped) child, a paused worker parent."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from tests.chaos.checker import Ledger, account, state_counts, wait_drained
from tests.chaos.conftest import WORK, WorkerFactory, make_producer
from tests.chaos.figures import record_figures
from tests.chaos.processes import children_of, zombies_of
from tests.chaos.recorder import read_records
from tests.chaos.redis_server import RedisServer
from tiger_adapters.compat import JobTimeoutException, fixed

pytestmark = pytest.mark.chaos

RETRIABLE: dict[str, Any] = {
    "retry_on": [JobTimeoutException],
    "retry_method": fixed(0, 3),
}


def wait_started(
    records: Path, count: int = 1, timeout: float = 15
) -> list[dict[str, Any]]:
    """Wait until ``count`` executions started; return the start records."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        starts = [r for r in read_records(records) if r["event"] == "start"]
        if len(starts) >= count:
            return starts
        time.sleep(0.02)
    pytest.fail(f"fewer than {count} executions started")


@pytest.mark.chaos_quick
@pytest.mark.timeout(60)
@pytest.mark.parametrize("signals", [1, 2], ids=["once", "twice"])
def test_c3_sigterm_graceful_shutdown(
    server: RedisServer,
    make_worker: WorkerFactory,
    records: Path,
    ledger: Ledger,
    signals: int,
) -> None:
    """One SIGTERM lets the task finish; two kill it and settle it by its policy."""
    producer, client = make_producer(server), server.client()
    for n in range(4):
        ledger.delay(
            producer, WORK, f"k{n}", queue="chaos", kwargs={"seconds": 1.5}, **RETRIABLE
        )
    worker = make_worker(server.url)
    wait_started(records)
    asked = time.monotonic()
    for _ in range(signals):
        worker.signal(signal.SIGTERM)
        time.sleep(0.2)
    code = worker.wait(10)
    latency = time.monotonic() - asked
    left = state_counts(client)
    make_worker(server.url)  # a fresh worker drains the rest
    drained = wait_drained(client, timeout=30)
    figures = account(ledger, records, client)
    figures |= {
        "exit_code": code,
        "shutdown_s": round(latency, 2),
        "active_after_exit": left["active"],
    }
    record_figures(
        f"C3-{'once' if signals == 1 else 'twice'}", "SIGTERM the worker", **figures
    )

    assert 0 == code
    assert 0 == left["active"]
    assert drained is not None
    assert 0 == figures["lost"] == figures["duplicated"] == figures["stuck"]
    if signals == 1:
        assert latency < 1.5 + 3
        assert 0 == figures["reruns"]
    else:
        assert latency < 3
        assert "second stop signal" in worker.log_text()


@pytest.mark.chaos_quick
@pytest.mark.timeout(60)
def test_c4_hung_child_is_killed_at_hard_timeout(
    server: RedisServer, make_worker: WorkerFactory, records: Path, ledger: Ledger
) -> None:
    """A SIGSTOPped child is SIGKILLed at hard_timeout + grace: JobTimeoutException."""
    producer, client = make_producer(server), server.client()
    worker = make_worker(server.url)
    latencies, names = [], []
    for n in range(4):
        ledger.delay(
            producer,
            WORK,
            f"k{n}",
            queue="chaos",
            kwargs={"seconds": 0.5},
            hard_timeout=1,
        )
        start = wait_started(records, n + 1)[-1]
        signal_child = [c for c in children_of(worker.pid) if c == start["pid"]]
        for pid in signal_child:
            os.kill(pid, signal.SIGSTOP)
        task_id = ledger.acknowledged[f"k{n}"]
        while not client.zscore("t:error:chaos", task_id):
            assert time.monotonic() - start["t"] < 10
            time.sleep(0.01)
        latencies.append(time.monotonic() - start["t"])
        last = json.loads(client.lrange(f"t:task:{task_id}:executions", -1, -1)[0])
        names.append(last["exception_name"])
    figures = account(ledger, records, client)
    figures |= {
        "hard_timeout_s": 1,
        "grace_s": 0.5,
        "max_kill_latency_s": round(max(latencies), 3),
        "zombies": len(zombies_of(worker.pid)),
    }
    record_figures("C4", "hung child (SIGSTOP) killed at the hard timeout", **figures)

    assert {"tasktiger.exceptions:JobTimeoutException"} == set(names)
    assert max(latencies) < 1 + 0.5 + 1.5
    assert 0 == figures["lost"] == figures["stuck"]


def death_time(pid: int, timeout: float) -> float | None:
    """Monotonic time at which ``pid`` was seen gone or a zombie (None: alive)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return time.monotonic()
        if state == "Z":
            return time.monotonic()
        time.sleep(0.01)
    return None


@pytest.mark.chaos_quick
@pytest.mark.timeout(60)
def test_c5_paused_worker_fences_itself(
    server: RedisServer, make_worker: WorkerFactory, records: Path, ledger: Ledger
) -> None:
    """A parent paused past its lease cannot settle the task and kills its child."""
    producer, client = make_producer(server), server.client()
    paused = make_worker(server.url)
    ledger.delay(
        producer, WORK, "k0", queue="chaos", kwargs={"seconds": 12}, **RETRIABLE
    )
    first = wait_started(records)[0]
    paused.signal(signal.SIGSTOP)
    other = make_worker(server.url)
    rerun = wait_started(records, 2)[1]
    paused.signal(signal.SIGCONT)
    resumed = time.monotonic()
    died = death_time(first["pid"], timeout=5)
    drained = wait_drained(client, timeout=20)
    figures = account(ledger, records, client)
    figures |= {
        "pause_s": round(resumed - first["t"], 2),
        "fence_after_resume_s": round(died - resumed, 3) if died else None,
        "overlap_s": round(died - rerun["t"], 3) if died else None,
        "stale_completion_rejected": paused.log_text().count("lease lost"),
        "rerun_by_other_worker": rerun["pid"] in children_of(other.pid)
        or rerun["pid"] != first["pid"],
    }
    record_figures(
        "C5", "worker parent paused past its lease (SIGSTOP/SIGCONT)", **figures
    )

    assert died is not None, "the paused worker's child was not killed"
    assert drained is not None
    assert 1 == len([r for r in read_records(records) if r["event"] == "end"])
    assert 0 == figures["lost"] == figures["duplicated"] == figures["stuck"]
    assert figures["stale_completion_rejected"] >= 1
