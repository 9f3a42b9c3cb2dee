"""C1, C2, C7: SIGKILL of the worker parent, of the forked child, and a poison task."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest
import redis

from tests.chaos.checker import Ledger, account, error_ids, wait_drained
from tests.chaos.conftest import POISON, WORK, WorkerFactory, make_producer
from tests.chaos.figures import record_figures
from tests.chaos.processes import WorkerProcess, in_group, lingering_zombies
from tests.chaos.recorder import read_records
from tests.chaos.redis_server import RedisServer
from tiger_adapters.compat import JobTimeoutException, fixed

pytestmark = pytest.mark.chaos

RETRIABLE: dict[str, Any] = {
    "retry_on": [JobTimeoutException],
    "retry_method": fixed(0, 5),
}


def in_flight(records: Path, pids: list[int]) -> set[str]:
    """Keys started by one of ``pids`` that have not ended yet."""
    lines = read_records(records)
    ended = {(r["key"], r["pid"]) for r in lines if r["event"] == "end"}
    return {
        r["key"]
        for r in lines
        if r["event"] == "start"
        and r["pid"] in pids
        and (r["key"], r["pid"]) not in ended
    }


def rerun_delay(records: Path, kills: list[tuple[str, float]]) -> float | None:
    """Longest time from a kill until its in-flight key started again (None: never)."""
    lines = read_records(records)
    delays = []
    for key, at in kills:
        again = [r["t"] for r in lines if r["event"] == "start" and r["key"] == key]
        later = [t for t in again if t > at]
        if not later:
            return None
        delays.append(min(later) - at)
    return round(max(delays), 2) if delays else None


def kill_parents(
    server: RedisServer, make_worker: WorkerFactory, records: Path, kills: int
) -> tuple[list[WorkerProcess], list[tuple[str, float]], list[int]]:
    """Run 3 workers; SIGKILL a busy parent ``kills`` times, starting a fresh one."""
    pool = [make_worker(server.url) for _ in range(3)]
    orphans: list[int] = []
    victims: list[tuple[str, float]] = []
    for number in range(kills):
        time.sleep(1.5)
        busy = next((w for w in pool if w.alive() and w.children()), pool[number])
        children = busy.children()
        busy.signal(signal.SIGKILL)
        at = time.monotonic()
        busy.wait(5)
        victims += [(key, at) for key in sorted(in_flight(records, children))]
        orphans.append(busy.pid)
        pool.append(make_worker(server.url))
    return pool, victims, orphans


@pytest.mark.timeout(90)
@pytest.mark.parametrize(
    "retriable",
    [
        pytest.param(True, id="retriable"),
        pytest.param(False, id="default", marks=pytest.mark.chaos_quick),
    ],
)
def test_c1_sigkill_worker_parent_midtask(
    server: RedisServer,
    make_worker: WorkerFactory,
    records: Path,
    ledger: Ledger,
    retriable: bool,
) -> None:
    """Killing worker parents loses nothing: retriable tasks rerun, others error."""
    producer = make_producer(server)
    options = RETRIABLE if retriable else {}
    for n in range(60):
        ledger.delay(
            producer, WORK, f"k{n}", queue="chaos", kwargs={"seconds": 0.3}, **options
        )

    _, victims, orphans = kill_parents(server, make_worker, records, kills=3)
    drained = wait_drained(server.client(), timeout=40)
    time.sleep(0.5)  # let an orphan that was mid-task finish or die
    figures = account(ledger, records, server.client())
    strays = sum(len(in_group(pgid)) for pgid in orphans)
    figures |= {"drain_s": drained, "kills": 3, "in_flight_at_kill": len(victims)}
    figures["stray_processes"] = strays
    if retriable:
        figures["recovery_s"] = rerun_delay(records, victims)
    record_figures(
        f"C1-{'retriable' if retriable else 'default'}",
        "SIGKILL worker parent mid-task",
        **figures,
    )

    assert drained is not None
    assert 0 == figures["lost"]
    assert 0 == figures["stuck"]
    assert 0 == strays
    if not retriable:
        assert len(victims) <= figures["errored"]
        assert figures["duplicated"] == 0


def executions_of(client: redis.Redis, task_id: str) -> list[dict[str, Any]]:
    """The stored execution records of ``task_id``."""
    import json

    return [json.loads(r) for r in client.lrange(f"t:task:{task_id}:executions", 0, -1)]


@pytest.mark.chaos_quick
@pytest.mark.timeout(60)
def test_c2_sigkill_forked_child(
    server: RedisServer, make_worker: WorkerFactory, records: Path, ledger: Ledger
) -> None:
    """A killed child is reaped and recorded as failed; its parent lives on."""
    producer, client = make_producer(server), server.client()
    for n in range(30):
        ledger.delay(producer, WORK, f"k{n}", queue="chaos", kwargs={"seconds": 0.4})
    pool = [make_worker(server.url) for _ in range(2)]
    killed: dict[str, float] = {}
    zombies, settle_s = 0, []
    deadline = time.monotonic() + 20
    while len(killed) < 6 and time.monotonic() < deadline:
        time.sleep(0.3)
        worker = pool[len(killed) % 2]
        keys = in_flight(records, worker.children())
        busy = [c for c in worker.children() if in_flight(records, [c])]
        if not keys or not busy:
            continue
        key, at = sorted(keys)[0], time.monotonic()
        os.kill(busy[0], signal.SIGKILL)
        killed[key] = at
        while ledger.acknowledged[key] not in error_ids(client):
            assert time.monotonic() - at < 10, f"{key} never settled"
            time.sleep(0.005)
        settle_s.append(time.monotonic() - at)
        zombies = max(zombies, *(len(lingering_zombies(w.pid)) for w in pool))
    drained = wait_drained(client, timeout=30)
    zombies = max(zombies, *(len(lingering_zombies(w.pid)) for w in pool))
    figures = account(ledger, records, client)
    crash_records = [executions_of(client, ledger.acknowledged[k]) for k in killed]
    figures |= {
        "kills": len(killed),
        "max_zombies": zombies,
        "parent_exits": sum(not w.alive() for w in pool),
        "kill_to_error_s": round(max(settle_s), 3),
    }
    record_figures("C2", "SIGKILL the forked child", **figures)

    assert drained is not None
    assert len(killed) >= 3
    assert 0 == figures["lost"] == figures["stuck"] == zombies
    assert 0 == figures["parent_exits"]
    assert all("signal 9" in r[-1]["traceback"] for r in crash_records)


@pytest.mark.timeout(60)
def test_c7_poison_task_ends_in_error(
    server: RedisServer, make_worker: WorkerFactory, records: Path, ledger: Ledger
) -> None:
    """A task whose child always dies errors after its retries; others all run."""
    producer, client = make_producer(server), server.client()
    ledger.delay(
        producer,
        POISON,
        "poison",
        queue="chaos",
        retry=True,
        retry_method=fixed(0.1, 3),
    )
    for n in range(50):
        ledger.delay(producer, WORK, f"k{n}", queue="chaos", kwargs={"seconds": 0.02})
    pool = [make_worker(server.url) for _ in range(2)]

    drained = wait_drained(client, timeout=40)
    figures = account(ledger, records, client)
    starts = [r for r in read_records(records) if r["key"] == "poison"]
    figures |= {
        "poison_attempts": len(starts),
        "worker_exits": sum(not w.alive() for w in pool),
    }
    record_figures("C7", "poison task: child always dies", **figures)

    assert drained is not None
    assert 4 == len(starts)
    assert 1 == figures["errored"]
    assert 50 == figures["executed"]
    assert 0 == figures["lost"] == figures["worker_exits"]
