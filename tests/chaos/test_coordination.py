"""U1, LK1, LK2, PER1: unique tasks, task locks and periodic tasks under races."""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.chaos.checker import Ledger, account, wait_drained
from tests.chaos.conftest import WORK, WorkerFactory, make_producer
from tests.chaos.figures import record_figures
from tests.chaos.recorder import read_records
from tests.chaos.redis_server import RedisServer
from tests.chaos.test_worker_stop import RETRIABLE, wait_started

pytestmark = pytest.mark.chaos


@pytest.mark.timeout(90)
def test_u1_unique_enqueue_race(
    server: RedisServer, make_worker: WorkerFactory, records: Path, ledger: Ledger
) -> None:
    """4 producers enqueue the same 50 unique tasks: one copy each, each runs."""
    pool = [make_worker(server.url) for _ in range(3)]
    client = server.client()
    max_queued = 0

    def produce() -> None:
        producer = make_producer(server)
        for _ in range(5):
            for n in range(50):
                ledger.delay(
                    producer,
                    WORK,
                    f"u{n}",
                    queue="chaos",
                    unique=True,
                    kwargs={"seconds": 0.05},
                )

    threads = [threading.Thread(target=produce) for _ in range(4)]
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        ids = client.zrange("t:queued:chaos", 0, -1) + client.zrange(
            "t:scheduled:chaos", 0, -1
        )
        max_queued = max([max_queued, *Counter(ids).values()])
        time.sleep(0.05)
    drained = wait_drained(client, timeout=40)
    figures = account(ledger, records, client)
    runs = Counter(r["key"] for r in read_records(records) if r["event"] == "end")
    figures |= {
        "max_queued_copies_per_key": max_queued,
        "max_executions_per_key": max(runs.values()),
        "keys_never_run": 50 - len(runs),
        "worker_exits": sum(not w.alive() for w in pool),
    }
    record_figures("U1", "unique enqueue race, 4 producers x 250 attempts", **figures)

    assert drained is not None
    assert 1 >= max_queued
    assert 0 == figures["keys_never_run"] == figures["lost"]


@pytest.mark.chaos_quick
@pytest.mark.timeout(90)
def test_lk1_lock_exclusion_under_four_workers(
    server: RedisServer, make_worker: WorkerFactory, records: Path, ledger: Ledger
) -> None:
    """80 tasks over 5 lock keys on 4 workers never overlap (some outlive the TTL)."""
    producer = make_producer(server)
    for n in range(80):
        seconds = 2.0 if n < 5 else 0.1  # five tasks outlive the 1.5 s lock TTL
        ledger.delay(
            producer,
            WORK,
            f"k{n}",
            queue="chaos",
            lock=True,
            lock_key=["group"],
            kwargs={"seconds": seconds, "group": f"g{n % 5}"},
        )
    pool = [make_worker(server.url) for _ in range(4)]
    drained = wait_drained(server.client(), timeout=60)
    figures = account(ledger, records, server.client())
    logs = "".join(w.log_text() for w in pool)
    figures |= {"lock_retries": logs.count("could not acquire lock")}
    record_figures("LK1", "task lock exclusion, 4 workers, 5 lock keys", **figures)

    assert drained is not None
    assert 0 == figures["overlapping"] == figures["lost"]
    assert 80 == figures["executed"]


@pytest.mark.timeout(60)
def test_lk2_lock_holder_crash(
    server: RedisServer, make_worker: WorkerFactory, records: Path, ledger: Ledger
) -> None:
    """The lock of a killed holder expires; the waiting task then runs."""
    producer = make_producer(server)
    options = {"lock": True, "lock_key": ["group"], **RETRIABLE}
    holder = make_worker(server.url)
    ledger.delay(
        producer,
        WORK,
        "held",
        queue="chaos",
        kwargs={"seconds": 5, "group": "g"},
        **options,
    )
    wait_started(records)
    ledger.delay(
        producer,
        WORK,
        "waiting",
        queue="chaos",
        kwargs={"seconds": 0.1, "group": "g"},
        **options,
    )
    make_worker(server.url)
    time.sleep(0.5)
    holder.signal(signal.SIGKILL)
    killed = time.monotonic()
    drained = wait_drained(server.client(), timeout=30)
    lines = read_records(records)
    waited = [r["t"] for r in lines if r["key"] == "waiting" and r["event"] == "start"]
    figures = account(ledger, records, server.client())
    figures |= {"reacquire_s": round(min(waited) - killed, 2) if waited else None}
    record_figures("LK2", "lock holder SIGKILLed; lock expires by TTL", **figures)

    assert drained is not None
    assert waited
    assert min(waited) - killed < 1.5 + 3
    assert 0 == figures["overlapping"] == figures["lost"]


@pytest.mark.timeout(60)
def test_per1_periodic_single_fire(
    server: RedisServer, make_worker: WorkerFactory, records: Path
) -> None:
    """A 1 s periodic task fires once per period on 4 workers, one killed midway."""
    pool = [
        make_worker(server.url, queues="chaos_periodic", app="periodic_tasks")
        for _ in range(4)
    ]
    time.sleep(4)
    pool[0].signal(signal.SIGKILL)
    time.sleep(5)
    periods = sorted(r["period"] for r in read_records(records) if r.get("period"))
    fires = Counter(periods)
    span = round(periods[-1] - periods[0]) + 1 if periods else 0
    figures = {
        "periods": len(fires),
        "max_fires_per_period": max(fires.values()) if fires else 0,
        "missed_periods": span - len(fires),
        "worker_killed": 1,
    }
    record_figures("PER1", "periodic 1 s task, 4 workers, one SIGKILLed", **figures)

    assert 1 == figures["max_fires_per_period"]
    assert len(fires) >= 6
    assert figures["missed_periods"] <= 2
