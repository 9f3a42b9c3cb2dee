"""V1-V4, S1, S2: bad input written into Redis or passed to delay never crashes anyone.

Garbage is written straight into the keys (as an attacker or a buggy producer
could), next to good tasks; real fork workers must survive, put each bad task in
the error state with a message naming it and the problem, and run every good task.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import redis

from tests.chaos.checker import Ledger, account, error_ids, wait_drained
from tests.chaos.conftest import WORK, WorkerFactory, make_producer
from tests.chaos.figures import record_figures
from tests.chaos.processes import FAST
from tests.chaos.recorder import read_records
from tests.chaos.redis_server import RedisServer
from tiger_adapters.compat import TaskTiger
from tiger_adapters.memory import MemoryTaskStore
from tiger_core.errors import PayloadTooLarge

pytestmark = pytest.mark.chaos

QUEUE = "chaos"
#: A pickle (protocol 0 is ASCII, protocol 4 is binary) whose load would run a command.
PICKLES = {
    "pickle0": b"cos\nsystem\n(S'touch MARKER'\ntR.",
    "pickle4": b"\x80\x04\x95\x1f\x00\x00\x00\x00\x00\x00\x00\x8c\x02os"
    b"\x94\x8c\x06system"
    b"\x94\x93\x94\x8c\x0ctouch MARKER\x94\x85\x94R\x94.",
}


def _plant(raw: redis.Redis, task_id: str, payload: bytes | None) -> None:
    """Write ``payload`` as task ``task_id`` and queue the id, as a producer would."""
    if payload is not None:
        raw.set(f"t:task:{task_id}", payload)
    raw.zadd(f"t:queued:{QUEUE}", {task_id: time.time()})
    raw.sadd("t:queued", QUEUE)
    raw.publish("t:activity", QUEUE)


def _task_json(task_id: str, **fields: Any) -> bytes:
    return json.dumps({"id": task_id, **fields}).encode()


def _error_texts(client: redis.Redis, ids: set[str]) -> dict[str, str]:
    texts = {}
    for task_id in ids:
        records = client.lrange(f"t:task:{task_id}:executions", 0, -1)
        texts[task_id] = " ".join(json.loads(r).get("traceback", "") for r in records)
    return texts


def _good_tasks(
    server: RedisServer, ledger: Ledger, count: int, first: int = 0
) -> TaskTiger:
    producer = make_producer(server)
    for number in range(first, first + count):
        ledger.delay(producer, WORK, f"good{number}", queue=QUEUE)
    return producer


@pytest.mark.chaos_quick
@pytest.mark.timeout(60)
def test_v1_malformed_task_json(
    server: RedisServer, make_worker: WorkerFactory, records: Path, ledger: Ledger
) -> None:
    """Each kind of garbage ends in error naming the task; 100 good tasks all run."""
    raw = redis.Redis.from_url(server.url, protocol=2)
    bad = {
        "badjson": (b'{"id": "badjson", "func": ', "not valid JSON"),
        "nonutf8": (b"\xff\xfe\x00\x01garbage", "not UTF-8 text"),
        "nofunc": (_task_json("nofunc", args=[1]), "field 'func'"),
        "wrongtype": (_task_json("wrongtype", func=5, args="x"), "field 'func'"),
        "notobject": (b'["a", "list"]', "not a JSON object"),
        "idmismatch": (_task_json("other", func="m:f"), "ID mismatch"),
    }
    _good_tasks(server, ledger, 50)
    for task_id, (payload, _) in bad.items():
        _plant(raw, task_id, payload)
    _plant(raw, "nopayload", None)
    _good_tasks(server, ledger, 50, first=50)
    pool = [make_worker(server.url, queues=QUEUE) for _ in range(2)]

    drained = wait_drained(server.client(), timeout=40)

    client = server.client()
    texts = _error_texts(client, set(bad))
    matched = sum(
        f"task {task_id}: invalid payload" in texts[task_id] and cause in texts[task_id]
        for task_id, (_, cause) in bad.items()
    )
    figures = account(ledger, records, client)
    logs = "".join(w.log_text() for w in pool)
    figures |= {
        "bad_tasks": len(bad) + 1,
        "errors_matched": matched,
        "worker_exits": sum(not w.alive() for w in pool),
        "dropped_without_payload_logged": logs.count('"problem": "task nopayload'),
    }
    record_figures(
        "V1", "malformed task JSON next to 100 good tasks, 2 workers", **figures
    )
    assert drained is not None
    assert set(bad) == error_ids(client)
    assert len(bad) == matched
    assert (0, 0, 100) == (
        figures["worker_exits"],
        figures["lost"],
        figures["executed"],
    )
    assert 1 == figures["dropped_without_payload_logged"]
    assert not client.exists("t:task:nopayload")


@pytest.mark.chaos_quick
@pytest.mark.timeout(60)
def test_v2_s1_s2_stored_names_outside_the_allowlist_are_never_imported(
    server: RedisServer,
    make_worker: WorkerFactory,
    records: Path,
    ledger: Ledger,
    tmp_path: Path,
) -> None:
    """Injected callables and pickles end in error; nothing runs or is imported."""
    marker = tmp_path / "MARKER"
    raw = redis.Redis.from_url(server.url, protocol=2)
    shell = f"touch {marker}"
    forbidden = "tests.forbidden_import"
    planted = {
        "unimportable": _task_json("unimportable", func="nonexistent.mod:fn"),
        "ossystem": _task_json("ossystem", func="os:system", args=[shell]),
        "evil_eval": _task_json(
            "evil_eval", func="builtins:eval",
            args=[f"__import__('os').system('{shell}')"],
        ),
        "forbidden": _task_json("forbidden", func=f"{forbidden}:run"),
        "retry_fn": _task_json(
            "retry_fn", func="tests.chaos.tasks:fail", args=["retry_fn"],
            retry_method=[f"{forbidden}:retry", []],
        ),
        "retry_on": _task_json(
            "retry_on", func="tests.chaos.tasks:fail", args=["retry_on"],
            retry_method=["tasktiger.retry:fixed", [0.1, 3]],
            retry_on=[f"{forbidden}:Boom", "os:system"],
        ),
        "runner": _task_json(
            "runner", func="tests.chaos.tasks:work", args=["runner"],
            runner_class=f"{forbidden}:Runner",
        ),
        **{
            name: payload.replace(b"MARKER", str(marker).encode())
            for name, payload in PICKLES.items()
        },
    }  # fmt: skip
    for task_id, payload in planted.items():
        _plant(raw, task_id, payload)
    _good_tasks(server, ledger, 20)
    config = {**FAST, "TASK_MODULES": ["tests.chaos"]}
    pool = [make_worker(server.url, queues=QUEUE, config=config) for _ in range(2)]

    drained = wait_drained(server.client(), timeout=40)

    client = server.client()
    texts = _error_texts(client, set(planted))
    attempts = {t: client.llen(f"t:task:{t}:executions") for t in planted}
    imported = [r for r in read_records(records) if r["event"] == "imported"]
    refused = sum("not in TASK_MODULES" in text for text in texts.values())
    figures = account(ledger, records, client) | {
        "planted": len(planted),
        "in_error": len(error_ids(client) & set(planted)),
        "refused_by_allowlist": refused,
        "max_attempts": max(attempts.values()),
        "forbidden_imports": len(imported),
        "side_effects": int(marker.exists()),
        "worker_exits": sum(not w.alive() for w in pool),
    }
    record_figures(
        "S2",
        "stored func/retry/exception/runner names and pickles vs TASK_MODULES",
        **figures,
    )
    record_figures(
        "V2", "unimportable / unregistered task function (TASK_MODULES set)",
        attempts_unimportable=attempts["unimportable"],
        attempts_os_system=attempts["ossystem"],
        worker_exits=figures["worker_exits"],
        error_text_ok=int("nonexistent.mod:fn" in texts["unimportable"]),
    )  # fmt: skip
    record_figures(
        "S1", "pickle payloads (protocol 0 and 4) in the task key",
        executed=figures["side_effects"],
        in_error=sum(t in error_ids(client) for t in PICKLES),
        invalid_payload_text=sum("invalid payload" in texts[t] for t in PICKLES),
    )  # fmt: skip
    assert drained is not None
    assert (len(planted), 0, 0) == (
        figures["in_error"],
        figures["side_effects"],
        len(imported),
    )
    assert 1 == figures["max_attempts"]  # no retry storm
    for task_id in ("unimportable", "ossystem", "evil_eval", "forbidden", "runner"):
        assert "not in TASK_MODULES" in texts[task_id], task_id
    for task_id in PICKLES:
        assert f"task {task_id}: invalid payload" in texts[task_id]
    assert (0, 0, 20) == (figures["worker_exits"], figures["lost"], figures["executed"])


@pytest.mark.chaos_quick
@pytest.mark.timeout(60)
def test_v3_huge_payload_is_refused_before_any_write(server: RedisServer) -> None:
    """Over MAX_PAYLOAD_BYTES: PayloadTooLarge, keyspace unchanged; under: works."""
    limit = 2 * 1024 * 1024
    producer = make_producer(server, MAX_PAYLOAD_BYTES=limit)
    client = server.client()
    figures: dict[str, Any] = {"limit_bytes": limit}
    for label, size in (("100KiB", 100 * 1024), ("1MiB", 1024 * 1024)):
        before = int(client.info("memory")["used_memory"])
        start = time.perf_counter()
        producer.delay(WORK, kwargs={"key": label, "group": "x" * size}, queue="v3")
        figures[f"latency_ms_{label}"] = round((time.perf_counter() - start) * 1000, 2)
        figures[f"used_memory_delta_{label}"] = (
            int(client.info("memory")["used_memory"]) - before
        )
    dbsize_before = client.dbsize()

    with pytest.raises(PayloadTooLarge) as caught:
        producer.delay(WORK, kwargs={"key": "over", "group": "x" * limit}, queue="v3")

    figures["keys_written_on_reject"] = client.dbsize() - dbsize_before
    raised = make_producer(server, MAX_PAYLOAD_BYTES=64 * 1024 * 1024)
    start = time.perf_counter()
    raised.delay(
        WORK, kwargs={"key": "50MiB", "group": "x" * 50 * 1024 * 1024}, queue="v3"
    )
    figures["latency_ms_50MiB_limit_raised"] = round(
        (time.perf_counter() - start) * 1000, 1
    )
    record_figures(
        "V3",
        "payload size limit (MAX_PAYLOAD_BYTES), checked before any write",
        **figures,
    )
    assert "tests.chaos.tasks:work" in str(caught.value)
    assert f"MAX_PAYLOAD_BYTES={limit}" in str(caught.value)
    assert 0 == figures["keys_written_on_reject"]
    assert 3 == client.zcard("t:queued:v3")


INVALID_QUEUES: list[Any] = [
    "", "x" * 10_000, "a:active", "{x}", "*", "?", "[a]", "..", "\n", "naïve", "a b",
    b"bytes",
]  # fmt: skip
VALID_WEIRD = [
    "a",
    "A-Z_0.9",
    "x" * 200,
    "default.sub.subsub",
    "active",
    "error",
    "task",
]


@pytest.mark.chaos_quick
@pytest.mark.timeout(60)
def test_v4_queue_name_abuse(server: RedisServer) -> None:
    """Invalid names: a ValueError stating the rule; valid ones make only their keys."""
    producer = make_producer(server)
    client = server.client()
    rejected = 0
    for name in INVALID_QUEUES:
        with pytest.raises(ValueError, match="ASCII letters, digits"):
            producer.delay(WORK, kwargs={"key": "bad"}, queue=name)
        rejected += 1
    assert [] == client.keys("*")
    for name in VALID_WEIRD:
        producer.delay(WORK, kwargs={"key": name}, queue=name)

    ids = {str(t) for q in VALID_WEIRD for t in client.zrange(f"t:queued:{q}", 0, -1)}
    expected = {"t:queued"} | {f"t:queued:{q}" for q in VALID_WEIRD}
    expected |= {f"t:task:{i}" for i in ids}
    actual = set(client.keys("*"))
    # A name used in a glob pattern (SCAN MATCH, KEYS) matches only its own key.
    widened = sum(
        set(client.keys(f"t:queued:{q}")) != {f"t:queued:{q}"} for q in VALID_WEIRD
    )
    record_figures(
        "V4", "queue name abuse",
        rejected=rejected, accepted=len(VALID_WEIRD),
        unexpected_keys=len(actual - expected), widened_patterns=widened,
    )  # fmt: skip
    assert expected == actual
    assert 0 == widened
    assert len(VALID_WEIRD) == len(client.smembers("t:queued"))
    with pytest.raises(ValueError, match="invalid queue name"):
        TaskTiger(store=MemoryTaskStore(), config={"ONLY_QUEUES": ["a:b"]})
