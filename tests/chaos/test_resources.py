"""X1, X2: no key without a TTL or owner; no zombie or fd leak over 1,000 forks."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import redis

from tests.chaos.checker import Ledger, account, error_ids, wait_drained
from tests.chaos.conftest import POISON, WORK, WorkerFactory, make_producer
from tests.chaos.figures import record_figures
from tests.chaos.processes import lingering_zombies, open_fds, rss_kib
from tests.chaos.redis_server import RedisServer
from tests.chaos.tasks import fail
from tiger_adapters.compat import fixed

pytestmark = pytest.mark.chaos

#: Keys that may live without a TTL: state sets and zsets, owners, activity.
STATE_KEY = re.compile(r"^t:(queued|active|scheduled|error)(:.*)?$|^t:owner:.*$")


def untracked_keys(client: redis.Redis) -> list[str]:
    """Keys with no TTL that are neither state structures nor data of error tasks."""
    errored = error_ids(client)
    bad = []
    for key in client.scan_iter("*"):
        if STATE_KEY.match(key) or client.ttl(key) >= 0:
            continue
        task = re.match(r"^t:task:([^:]+)(:executions(_count)?)?$", key)
        if task and task.group(1) in errored:
            continue
        bad.append(key)
    return bad


@pytest.mark.timeout(90)
def test_x1_no_unbounded_keys(
    server: RedisServer, make_worker: WorkerFactory, records: Path, ledger: Ledger
) -> None:
    """After a mixed run every key is a state structure, has a TTL or is error data."""
    client, producer = server.client(), make_producer(server)
    pool = [make_worker(server.url) for _ in range(2)]
    time.sleep(1)
    baseline = client.dbsize()
    for n in range(300):
        kind = n % 6
        if kind == 0:
            ledger.delay(producer, fail, f"f{n}", queue="chaos")
        elif kind == 1:
            ledger.delay(
                producer,
                fail,
                f"r{n}",
                queue="chaos",
                retry=True,
                retry_method=fixed(0.1, 2),
            )
        elif kind == 2:
            ledger.delay(producer, WORK, f"u{n % 12}", queue="chaos", unique=True)
        elif kind == 3:
            ledger.delay(
                producer,
                WORK,
                f"l{n}",
                queue="chaos",
                lock=True,
                kwargs={"group": f"g{n % 3}"},
                lock_key=["group"],
            )
        else:
            ledger.delay(producer, WORK, f"k{n}", queue="chaos")
    drained = wait_drained(client, timeout=60)
    time.sleep(2)  # lock and throttle keys expire (PX <= 1.5 s)
    errors = len(error_ids(client))
    bad = untracked_keys(client)
    figures = account(ledger, records, client)
    figures |= {
        "keys_without_ttl_or_owner": len(bad),
        "baseline_keys": baseline,
        "keys_after": client.dbsize(),
        "error_tasks_retained": errors,
        "used_memory_kib": int(client.info("memory")["used_memory"]) // 1024,
        "worker_exits": sum(not w.alive() for w in pool),
    }
    record_figures("X1", "key hygiene after 300 mixed tasks", **figures)

    assert drained is not None
    assert [] == bad
    assert client.dbsize() <= baseline + 4 + 3 * errors
    assert 0 == figures["lost"]


def settled_fds(pid: int) -> int:
    """The fewest fds ``pid`` holds over 1 s (a child may be starting or ending)."""
    counts = []
    for _ in range(10):
        counts.append(open_fds(pid))
        time.sleep(0.1)
    return min(counts)


@pytest.mark.timeout(120)
def test_x2_no_zombies_or_fd_leak(
    server: RedisServer, make_worker: WorkerFactory, records: Path, ledger: Ledger
) -> None:
    """1,000 fork tasks with timeouts and killed children leak no zombie, fd or RSS."""
    client, producer = server.client(), make_producer(server)
    pool = [make_worker(server.url) for _ in range(2)]
    for n in range(20):  # warm-up: imports, connections, the spare child
        ledger.delay(producer, WORK, f"w{n}", queue="chaos")
    wait_drained(client, timeout=30)
    before = [(settled_fds(w.pid), rss_kib(w.pid)) for w in pool]
    for n in range(1000):
        if n % 100 == 0:
            ledger.delay(
                producer,
                WORK,
                f"t{n}",
                queue="chaos",
                hard_timeout=0.2,
                kwargs={"seconds": 5},
            )
        elif n % 40 == 1:
            ledger.delay(producer, POISON, f"p{n}", queue="chaos")
        else:
            ledger.delay(producer, WORK, f"k{n}", queue="chaos")
    zombies, deadline = 0, time.monotonic() + 90
    while wait_drained(client, timeout=0.5) is None and time.monotonic() < deadline:
        zombies = max(zombies, *(len(lingering_zombies(w.pid, 0.1)) for w in pool))
    after = [(settled_fds(w.pid), rss_kib(w.pid)) for w in pool]
    figures = account(ledger, records, client)
    figures |= {
        "max_zombies": zombies,
        "fd_delta": max(a[0] - b[0] for a, b in zip(after, before, strict=True)),
        "rss_growth_pct": round(
            max(100 * (a[1] - b[1]) / b[1] for a, b in zip(after, before, strict=True)),
            1,
        ),
    }
    record_figures(
        "X2", "1,000 fork tasks incl. timeouts and killed children", **figures
    )

    assert 0 == zombies == figures["lost"] == figures["stuck"]
    assert figures["fd_delta"] <= 3  # a spare child's pipes and pidfd, at most
    assert figures["rss_growth_pct"] <= 10
