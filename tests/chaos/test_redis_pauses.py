"""R5, N1, N2: Redis down when workers start; Redis frozen (SIGSTOP) short and long."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import redis

from tests.chaos.checker import Ledger, account, wait_drained
from tests.chaos.conftest import WORK, WorkerFactory, make_producer
from tests.chaos.figures import record_figures
from tests.chaos.redis_server import RedisServer
from tests.chaos.test_redis_faults import (
    first_end_after,
    producing,
    wait_executed,
)
from tiger_adapters.compat import TaskTiger

pytestmark = pytest.mark.chaos


@pytest.mark.chaos_quick
@pytest.mark.timeout(60)
def test_r5_redis_unavailable_at_start(
    tmp_path: Path, make_worker: WorkerFactory, records: Path, ledger: Ledger
) -> None:
    """Workers started before Redis wait and then work; a producer fails fast."""
    workdir = tmp_path / "late"
    workdir.mkdir()
    server = RedisServer(workdir)
    pool = [make_worker(server.url) for _ in range(2)]
    producer = TaskTiger(connection=server.client(), config={"REDIS_PREFIX": "t"})
    asked = time.monotonic()
    with pytest.raises(redis.ConnectionError) as refused:
        producer.delay(WORK, kwargs={"key": "early"}, queue="chaos")
    fail_fast_s = time.monotonic() - asked
    time.sleep(3)
    try:
        server.start()
        up = time.monotonic()
        ledger.delay(make_producer(server), WORK, "k0", queue="chaos")
        first = first_end_after(records, up)
        figures = account(ledger, records, server.client())
    finally:
        server.stop()
    lines = [w.log_text().count("redis unavailable, retrying") for w in pool]
    figures |= {
        "producer_fail_s": round(fail_fast_s, 3),
        "producer_error": str(refused.value),
        "first_task_after_up_s": first,
        "outage_log_lines_per_worker": max(lines),
        "worker_exits": sum(not w.alive() for w in pool),
    }
    record_figures("R5", "Redis down when workers start (up 3 s later)", **figures)

    assert fail_fast_s < 2
    assert "Connection refused" in str(refused.value)
    assert first is not None
    assert first < 5 + 2
    assert [1, 1] == lines
    assert 0 == figures["worker_exits"] == figures["lost"]


def freeze_run(
    server: RedisServer,
    make_worker: WorkerFactory,
    records: Path,
    ledger: Ledger,
    pause: float,
) -> dict[str, object]:
    """SIGSTOP Redis for ``pause`` s in the middle of 200 short retriable tasks."""
    pool = [make_worker(server.url) for _ in range(3)]
    with producing(server, ledger, 200):
        wait_executed(records, 60)
        server.pause()
        time.sleep(pause)
        server.resume()
        resumed = time.monotonic()
    recovery = first_end_after(records, resumed)
    drained = wait_drained(server.client(), timeout=30)
    figures = account(ledger, records, server.client())
    logs = "".join(w.log_text() for w in pool)
    figures |= {
        "pause_s": pause,
        "recovery_s": recovery,
        "drain_s": drained,
        "spurious_requeues": logs.count("queueing expired task"),
        "worker_exits": sum(not w.alive() for w in pool),
    }
    return figures


@pytest.mark.timeout(90)
def test_n1_redis_frozen_briefly(
    server: RedisServer, make_worker: WorkerFactory, records: Path, ledger: Ledger
) -> None:
    """Redis frozen 1 s (< lease): nothing lost or doubled, no worker exits."""
    figures = freeze_run(server, make_worker, records, ledger, pause=1.0)
    record_figures("N1", "redis-server SIGSTOP 1 s (shorter than the lease)", **figures)

    assert 0 == figures["lost"] == figures["stuck"] == figures["worker_exits"]
    assert 0 == figures["duplicated"]


@pytest.mark.chaos_quick
@pytest.mark.timeout(90)
def test_n2_redis_frozen_past_the_lease(
    server: RedisServer, make_worker: WorkerFactory, records: Path, ledger: Ledger
) -> None:
    """Redis frozen 5 s (> lease): nothing lost; duplicates and requeues reported."""
    figures = freeze_run(server, make_worker, records, ledger, pause=5.0)
    record_figures("N2", "redis-server SIGSTOP 5 s (longer than the lease)", **figures)

    assert 0 == figures["lost"] == figures["stuck"] == figures["worker_exits"]
