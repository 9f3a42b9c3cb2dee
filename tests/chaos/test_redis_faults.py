"""R1, R3, R4: the Redis server crashes (with and without AOF), its scripts vanish."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.chaos.checker import Ledger, account, error_ids, wait_drained
from tests.chaos.conftest import WORK, ServerFactory, WorkerFactory, make_producer
from tests.chaos.figures import record_figures
from tests.chaos.processes import WorkerProcess
from tests.chaos.recorder import read_records
from tests.chaos.redis_server import RedisServer
from tests.chaos.test_worker_stop import wait_started
from tiger_adapters.compat import JobTimeoutException, fixed

pytestmark = pytest.mark.chaos

RETRIABLE: dict[str, Any] = {
    "retry_on": [JobTimeoutException],
    "retry_method": fixed(0, 5),
}


@contextmanager
def producing(
    server: RedisServer,
    ledger: Ledger,
    count: int,
    pause: float = 0.01,
    options: dict[str, Any] | None = None,
) -> Iterator[threading.Thread]:
    """Enqueue ``count`` tasks from a thread, one every ``pause`` s.

    The tasks are retriable on JobTimeoutException unless ``options`` say otherwise.
    """
    producer = make_producer(server)
    options = RETRIABLE if options is None else options

    def produce() -> None:
        for n in range(count):
            ledger.delay(
                producer,
                WORK,
                f"k{n}",
                queue="chaos",
                kwargs={"seconds": 0.02},
                **options,
            )
            time.sleep(pause)

    thread = threading.Thread(target=produce, daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        thread.join(timeout=60)


def wait_executed(records: Path, count: int, timeout: float = 30) -> None:
    """Wait until ``count`` executions ended."""
    deadline = time.monotonic() + timeout
    while sum(r["event"] == "end" for r in read_records(records)) < count:
        assert time.monotonic() < deadline, f"fewer than {count} executions ended"
        time.sleep(0.05)


def first_end_after(records: Path, moment: float, timeout: float = 30) -> float | None:
    """Seconds from ``moment`` to the first execution that ended after it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ends = [
            r["t"]
            for r in read_records(records)
            if r["event"] == "end" and r["t"] > moment
        ]
        if ends:
            return round(float(min(ends)) - moment, 2)
        time.sleep(0.05)
    return None


#: Redis stays down this long: longer than the lease (the issue's reproduction).
OUTAGE_S = 2.6


def crash_run(
    make_server: ServerFactory,
    make_worker: WorkerFactory,
    records: Path,
    ledger: Ledger,
    persistence: str,
    options: dict[str, Any],
) -> tuple[dict[str, Any], list[WorkerProcess]]:
    """SIGKILL Redis while a 2 s task runs and 200 short ones flow; restart 2.6 s on.

    The 2 s task ("long") ends while Redis is down, so its outcome reaches Redis only
    after the restart, when its heartbeat is older than the lease.
    """
    server = make_server(persistence)
    pool = [make_worker(server.url) for _ in range(3)]
    producer = make_producer(server)
    ledger.delay(
        producer, WORK, "long", queue="chaos", kwargs={"seconds": 2.0}, **options
    )
    wait_started(records)
    with producing(server, ledger, 200, options=options):
        wait_executed(records, 60)
        long_running = not any(
            r["event"] == "end" and r["key"] == "long" for r in read_records(records)
        )
        server.kill()
        time.sleep(OUTAGE_S)
        server.start()
        restarted = time.monotonic()
    producer = make_producer(server)
    for n in range(10):  # work queued after the restart must run too
        ledger.delay(producer, WORK, f"post{n}", queue="chaos", **options)
    recovery = first_end_after(records, restarted)
    drained = wait_drained(server.client(), timeout=30)
    figures = account(ledger, records, server.client())
    long_id = ledger.acknowledged.get("long")
    figures |= {
        "recovery_s": recovery,
        "drain_s": drained,
        "outage_s": OUTAGE_S,
        "long_task_running_at_kill": long_running,
        "long_task_runs": sum(
            r["event"] == "end" and r["key"] == "long" for r in read_records(records)
        ),
        "long_task_errored": long_id in error_ids(server.client()),
        "worker_exits": sum(not w.alive() for w in pool),
        "worker_restarts": 0,
    }
    return figures, pool


VARIANTS = [
    pytest.param(True, id="retriable"),
    pytest.param(False, id="default", marks=pytest.mark.chaos_quick),
]


@pytest.mark.timeout(90)
@pytest.mark.parametrize("retriable", VARIANTS)
def test_r1_redis_restart_with_aof_always(
    make_server: ServerFactory,
    make_worker: WorkerFactory,
    records: Path,
    ledger: Ledger,
    retriable: bool,
) -> None:
    """Redis SIGKILLed and restarted (appendfsync always): nothing lost or errored.

    Redis kept every acknowledged write, so finished work must not become an error:
    ``errored`` is 0 whether or not the tasks are retriable.
    """
    options = RETRIABLE if retriable else {}
    figures, pool = crash_run(
        make_server, make_worker, records, ledger, "always", options
    )
    record_figures(
        f"R1-{'retriable' if retriable else 'default'}",
        "redis-server SIGKILL + restart, AOF appendfsync always",
        **figures,
    )

    assert figures["recovery_s"] is not None
    assert 0 == figures["lost"] == figures["stuck"] == figures["worker_exits"]
    assert 0 == figures["errored"]
    assert any("redis unavailable" in w.log_text() for w in pool)


@pytest.mark.timeout(90)
@pytest.mark.parametrize("retriable", [True, False], ids=["retriable", "default"])
def test_r3_redis_restart_without_persistence(
    make_server: ServerFactory,
    make_worker: WorkerFactory,
    records: Path,
    ledger: Ledger,
    retriable: bool,
) -> None:
    """Redis restarted empty: the loss is measured; workers neither crash nor hang."""
    options = RETRIABLE if retriable else {}
    figures, _ = crash_run(make_server, make_worker, records, ledger, "none", options)
    record_figures(
        f"R3-{'retriable' if retriable else 'default'}",
        "redis-server SIGKILL + restart without persistence (loss expected)",
        **figures,
    )

    assert figures["recovery_s"] is not None
    assert 0 == figures["stuck"] == figures["worker_exits"]


@pytest.mark.chaos_quick
@pytest.mark.timeout(60)
def test_r4_script_flush_every_second(
    server: RedisServer, make_worker: WorkerFactory, records: Path, ledger: Ledger
) -> None:
    """SCRIPT FLUSH every second: EVALSHA falls back, no error reaches anyone."""
    pool = [make_worker(server.url) for _ in range(3)]
    admin = server.client()
    flushes = 0
    with producing(server, ledger, 200, pause=0.02) as thread:
        while thread.is_alive():
            admin.script_flush()
            flushes += 1
            time.sleep(1)
    drained = wait_drained(admin, timeout=30)
    figures = account(ledger, records, admin)
    errors = sum(w.log_text().count('"level": "error"') for w in pool)
    figures |= {
        "flushes": flushes,
        "errors_logged": errors,
        "worker_exits": sum(not w.alive() for w in pool),
    }
    record_figures("R4", "SCRIPT FLUSH every second", **figures)

    assert drained is not None
    assert 0 == figures["lost"] == figures["enqueue_errors"] == errors
    assert 0 == figures["duplicated"] == figures["worker_exits"]
