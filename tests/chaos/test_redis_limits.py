"""M1, M2, S3: Redis out of memory, eviction policy, AUTH / ACL / TLS.

Each test runs its own ``redis-server`` on loopback, configured at run time
(CONFIG SET / ACL SETUSER), with real fork workers from the chaos launcher.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import redis

from tests.chaos import tasks
from tests.chaos.checker import Ledger, account, state_counts, wait_drained
from tests.chaos.conftest import WORK, ServerFactory, WorkerFactory
from tests.chaos.figures import record_figures
from tests.chaos.processes import FAST, REPO
from tests.chaos.redis_server import LOOPBACK, free_port
from tiger_adapters.compat import TaskTiger
from tiger_core.errors import StorageFull

pytestmark = pytest.mark.chaos

QUEUE = "chaos"


def _producer(url: str, **config: Any) -> TaskTiger:
    client = redis.Redis.from_url(url, decode_responses=True, protocol=2)
    return TaskTiger(connection=client, config={**FAST, **config})


def _partial_state(client: redis.Redis) -> int:
    """Ids in a state zset without a payload, plus payloads in no state (violations)."""
    in_states: set[str] = set()
    missing = 0
    for state in ("queued", "scheduled", "active", "error"):
        for queue in map(str, client.smembers(f"t:{state}")):
            ids = [str(i) for i in client.zrange(f"t:{state}:{queue}", 0, -1)]
            in_states |= set(ids)
            missing += sum(not client.exists(f"t:task:{i}") for i in ids)
    keys = [str(k) for k in client.keys("t:task:*")]
    payloads = {k.split(":", 2)[2] for k in keys if k.count(":") == 2}
    return missing + len(payloads - in_states)


def _wait_for(predicate: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.timeout(90)
def test_m1_maxmemory_noeviction(
    make_server: ServerFactory, make_worker: WorkerFactory, records: Path
) -> None:
    """Full Redis: StorageFull, nothing partial; workers drain; enqueue resumes."""
    server = make_server(
        extra=("--maxmemory", "16mb", "--maxmemory-policy", "noeviction")
    )
    producer = _producer(server.url)
    ledger = Ledger()
    refused: list[str] = []
    blob = "x" * 100_000
    for number in range(400):  # 40 MB of payloads: Redis fills up long before
        failing = number % 10 == 0  # a failing task moves to error while Redis is full
        try:
            task = producer.delay(
                tasks.fail if failing else WORK,
                kwargs={"key": f"k{number}"}
                if failing
                else {"key": f"k{number}", "group": blob},
                queue=QUEUE,
            )
        except StorageFull as exc:
            refused.append(str(exc))
            if len(refused) >= 3:
                break
        else:
            ledger.attempted += 1
            ledger.acknowledged[f"k{number}"] = task.id
    client = server.client()
    violations_full = _partial_state(client)
    full_counts = state_counts(client)
    pool = [make_worker(server.url, queues=QUEUE) for _ in range(2)]
    start = time.monotonic()

    drained = wait_drained(client, timeout=45)

    recovered_at = time.monotonic() - start
    after = producer.delay(WORK, kwargs={"key": "after"}, queue=QUEUE)
    drained_again = wait_drained(client, timeout=15)
    ledger.attempted += 1
    ledger.acknowledged["after"] = after.id
    figures = account(ledger, records, client)
    for unrelated in ("overlapping", "overlap_s"):  # "group" carries the payload here
        figures.pop(unrelated)
    figures |= {
        "queued_before_oom": full_counts["queued"],
        "refusals": len(refused),
        "partial_state_violations": violations_full + _partial_state(client),
        "drain_s": round(recovered_at, 2),
        "worker_exits": sum(not w.alive() for w in pool),
    }
    record_figures(
        "M1", "maxmemory 16mb noeviction: enqueue until OOM, then drain", **figures
    )
    assert refused
    assert "out of memory" in refused[0]
    assert "nothing was written" in refused[0]
    assert drained is not None
    assert drained_again is not None
    assert (0, 0, 0) == (
        figures["partial_state_violations"],
        figures["lost"],
        figures["worker_exits"],
    )
    assert figures["errored"] > 0  # failing tasks could be moved to error while full


@pytest.mark.chaos_quick
@pytest.mark.timeout(60)
def test_m2_eviction_policy_warning_and_acl_denied_config(
    make_server: ServerFactory, make_worker: WorkerFactory
) -> None:
    """allkeys-lru is named in one warning; a user without CONFIG gets an info line."""
    server = make_server(extra=("--maxmemory-policy", "allkeys-lru"))
    admin = server.client()
    admin.acl_setuser(
        "tiger", enabled=True, passwords=["+pw"], keys=["t:*"], channels=["t:*"],
        commands=["+@all", "-@dangerous"],
    )  # fmt: skip
    lru = make_worker(server.url, queues=QUEUE)
    limited = make_worker(f"redis://tiger:pw@{LOOPBACK}:{server.port}/0", queues=QUEUE)
    assert _wait_for(
        lambda: '"ready"' in lru.log_text() and '"ready"' in limited.log_text(), 20
    )
    time.sleep(0.5)

    warnings = [
        json.loads(line) for line in lru.log_text().splitlines()
        if "eviction policy" in line.lower()
    ]  # fmt: skip
    unchecked = [
        line for line in limited.log_text().splitlines() if "not checked" in line
    ]
    record_figures(
        "M2", "maxmemory-policy allkeys-lru, and CONFIG denied by ACL",
        warning_lines=len(warnings), acl_info_lines=len(unchecked),
        worker_exits=int(not lru.alive()) + int(not limited.alive()),
        message=warnings[0]["event"] if warnings else "",
    )  # fmt: skip
    assert 1 == len(warnings)
    assert "warning" == warnings[0]["level"]
    assert "'allkeys-lru'" in warnings[0]["event"]
    assert 1 == len(unchecked)
    assert "no permissions" in unchecked[0] or "NOPERM" in unchecked[0]
    assert lru.alive()
    assert limited.alive()


def _tls_flags(workdir: Path) -> dict[str, str] | None:
    if shutil.which("openssl") is None:
        return None
    cert, key = workdir / "cert.pem", workdir / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
         "-keyout", str(key),
         "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    return {
        "tls-cert-file": str(cert), "tls-key-file": str(key),
        "tls-ca-cert-file": str(cert), "tls-auth-clients": "no",
    }  # fmt: skip


def _pipeline_works(url: str, make_worker: WorkerFactory, key: str) -> bool:
    ledger = Ledger()
    producer = _producer(url)
    for number in range(5):
        ledger.delay(producer, WORK, f"{key}{number}", queue=QUEUE)
    worker = make_worker(url, queues=QUEUE)
    client = redis.Redis.from_url(url, decode_responses=True, protocol=2)
    done = _wait_for(
        lambda: all(
            not client.zcard(f"t:{s}:{QUEUE}")
            for s in ("queued", "active", "scheduled")
        ),
        20,
    )
    worker.kill_group()
    return done and len(ledger.acknowledged) == 5


@pytest.mark.timeout(90)
def test_s3_auth_acl_tls(
    make_server: ServerFactory,
    make_worker: WorkerFactory,
    records: Path,
    tmp_path: Path,
) -> None:
    """AUTH, a prefix-limited ACL user and rediss:// work; bad passwords are hidden."""
    server = make_server()
    admin = server.client()
    admin.acl_setuser(
        "tiger", enabled=True, passwords=["+userpw"], keys=["t:*"], channels=["t:*"],
        commands=["+@all", "-@dangerous"],
    )  # fmt: skip
    tls = _tls_flags(tmp_path)
    tls_port = free_port()
    tls_ok = None
    if tls is not None:
        try:
            for name, value in tls.items():
                admin.config_set(name, value)
            admin.config_set("tls-port", tls_port)
        except redis.ResponseError as exc:
            tls, tls_reason = None, f"redis-server has no TLS: {exc}"
    admin.config_set("requirepass", "s3cret-pw")
    base = f"{LOOPBACK}:{server.port}/0"

    auth_ok = _pipeline_works(f"redis://:s3cret-pw@{base}", make_worker, "auth")
    acl_ok = _pipeline_works(f"redis://tiger:userpw@{base}", make_worker, "acl")
    if tls is not None:
        ca = tmp_path / "cert.pem"
        tls_url = f"rediss://:s3cret-pw@{LOOPBACK}:{tls_port}/0?ssl_ca_certs={ca}"
        tls_ok = _pipeline_works(tls_url, make_worker, "tls")
    denied = redis.Redis.from_url(f"redis://tiger:userpw@{base}", decode_responses=True)
    with pytest.raises(redis.exceptions.NoPermissionError):
        denied.get("other:key")
    wrong = subprocess.run(
        [sys.executable, "-m", "tiger_cli", "--url", f"redis://:wrong-pw-123@{base}",
         "-q", QUEUE],
        check=False,
        cwd=REPO, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    output = wrong.stdout + wrong.stderr
    record_figures(
        "S3", "AUTH, ACL user on t:*, TLS (rediss://), wrong password",
        auth=auth_ok, acl_prefix_user=acl_ok,
        tls=tls_ok if tls is not None else "skipped",
        wrong_password_exit=wrong.returncode,
        password_redacted=int("wrong-pw-123" not in output),
    )  # fmt: skip
    assert auth_ok
    assert acl_ok
    assert tls is None or tls_ok
    assert 2 == wrong.returncode
    assert "wrong-pw-123" not in output
    assert "redis://:***@" in output
    assert "invalid username-password" in output
    if tls is None:
        pytest.skip(
            f"TLS part skipped: {tls_reason if 'tls_reason' in dir() else 'no openssl'}"
        )
