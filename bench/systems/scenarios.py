"""The scenarios, written once for every system (see docs/benchmarks.md).

Each takes a System and its parameters and returns a JSON-able dict of figures;
list values are samples of one figure.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from bench.systems.common import QUEUE, System, WorkerProcess
from bench.systems.monitor import CommandMonitor, commandstats

Scenario = Callable[[System, dict[str, Any]], dict[str, Any]]
_DRAIN_TIMEOUT_S = 300.0


def enqueue(system: System, params: dict[str, Any]) -> dict[str, Any]:
    """Scenario 1a: one client, one task per call."""
    n = int(params["n"])
    start = time.perf_counter()
    system.enqueue(range(n), QUEUE)
    return {"rate": n / (time.perf_counter() - start)}


def enqueue_bulk(system: System, params: dict[str, Any]) -> dict[str, Any]:
    """Scenario 1b: the bulk enqueue API, ``batch`` tasks per call."""
    n, batch = int(params["n"]), int(params["batch"])
    start = time.perf_counter()
    system.enqueue_bulk(range(n), QUEUE, batch)
    return {"rate": n / (time.perf_counter() - start)}


def _rate(records: list[tuple[int, float, float]]) -> float:
    """Tasks per second between the first and the last task start."""
    return (len(records) - 1) / (records[-1][1] - records[0][1])


def _drain(system: System, spec: dict[str, Any], n: int) -> dict[str, Any]:
    worker = WorkerProcess(system, {"once": True, "max_jobs": None, **spec})
    try:
        result = worker.wait(_DRAIN_TIMEOUT_S)
        records = worker.times()
    finally:
        worker.close()
    if len(records) != n:
        raise RuntimeError(f"{len(records)} of {n} tasks ran")
    return {"rate": _rate(records), "rss_mib": result["rss_kib"] / 1024}


def drain(system: System, params: dict[str, Any]) -> dict[str, Any]:
    """Scenarios 2, 3 and 7: drain n queued tasks with one worker process."""
    n = int(params["n"])
    system.enqueue(range(n), QUEUE)
    spec = {"queues": [QUEUE], "executor": params["executor"]}
    return _drain(system, spec, n)


def subqueues(system: System, params: dict[str, Any]) -> dict[str, Any]:
    """Scenario 6a: drain n tasks spread over ``queues`` subqueues of QUEUE."""
    n, count = int(params["n"]), int(params["queues"])
    if system.name == "rq" and "rq_n" in params:  # see "Subqueues" in method.py
        n = min(n, int(params["rq_n"]))
    names = [QUEUE] if count == 1 else [f"{QUEUE}.{i}" for i in range(count)]
    for name_index, name in enumerate(names):
        system.enqueue(range(name_index, n, count), name)
    spec = {"queues": system.worker_queues(names), "executor": params["executor"]}
    return _drain(system, spec, n)


def scheduled(system: System, params: dict[str, Any]) -> dict[str, Any]:
    """Scenario 6c: n scheduled tasks due at the same time, one worker."""
    n = int(params["n"])
    due = time.time() + float(params["lead_s"])
    system.enqueue_at(range(n), QUEUE, due)
    time.sleep(max(0.0, due - time.time()) + 0.05)
    # Not "once": a once-mode TaskTiger worker exits before running what it promoted.
    spec = {"queues": [QUEUE], "executor": params["executor"], "once": False}
    worker = WorkerProcess(system, {**spec, "max_jobs": n, "scheduler": True})
    try:
        worker.wait_count(n, _DRAIN_TIMEOUT_S)
        result = worker.stop()
        records = worker.times()
    finally:
        worker.close()
    seconds = max(end for _, _, end in records) - result["run_start"]
    return {"seconds_run_to_last_end": seconds, "rate_from_run": n / seconds}


def latency(system: System, params: dict[str, Any]) -> dict[str, Any]:
    """Scenario 4: tasks enqueued ``interval_s`` apart to an idle worker."""
    n, interval = int(params["n"]), float(params["interval_s"])
    spec = {"queues": [QUEUE], "executor": params["executor"], "once": False}
    worker = WorkerProcess(system, {"max_jobs": None, **spec})
    try:
        system.enqueue([-1], QUEUE)  # warm-up: the worker is up and idle after it
        worker.wait_count(1, 60.0)
        time.sleep(0.5)
        queued: dict[int, float] = {}
        for i in range(n):
            system.enqueue([i], QUEUE)
            queued[i] = time.time()
            time.sleep(interval)
        worker.wait_count(n + 1, 60.0)
        worker.stop()
        started = {task: start for task, start, _ in worker.times()}
    finally:
        worker.close()
    lags = sorted((started[i] - queued[i]) * 1000 for i in range(n))
    cuts = statistics.quantiles(lags, n=100, method="inclusive")
    return {
        "p50_ms": statistics.median(lags),
        "p95_ms": cuts[94],
        "p99_ms": cuts[98],
    }


def memory(system: System, params: dict[str, Any]) -> dict[str, Any]:
    """Scenario 5b: Redis memory (``used_memory_dataset`` delta) per queued task."""
    n = int(params["n"])
    client = system.redis
    system.enqueue([-1], QUEUE)  # queue-level keys exist before the measure
    before = int(client.info("memory")["used_memory_dataset"])
    system.enqueue(range(n), QUEUE)
    after = int(client.info("memory")["used_memory_dataset"])
    return {"memory_per_task_bytes": (after - before) / n}


def commands(system: System, params: dict[str, Any]) -> dict[str, Any]:
    """Scenario 5a: Redis commands per processed task (and per enqueue)."""
    n = int(params["n"])
    client = system.redis
    client.config_resetstat()
    system.enqueue(range(n), QUEUE)
    enqueue_calls = commandstats(client)
    client.config_resetstat()
    with CommandMonitor(system.url) as monitor:
        spec = {"queues": [QUEUE], "executor": params["executor"]}
        _drain(system, spec, n)
    drain_calls = commandstats(client)
    top = sorted(drain_calls.items(), key=lambda item: -item[1])[:8]
    return {
        "commands_per_task": sum(drain_calls.values()) / n,
        "sent_per_task": monitor.sent / n,
        "in_scripts_per_task": monitor.scripted / n,
        "enqueue_commands_per_task": sum(enqueue_calls.values()) / n,
        "top_commands_per_task": {name: calls / n for name, calls in top},
    }


def backlog(system: System, params: dict[str, Any]) -> dict[str, Any]:
    """Scenario 6b: enqueue and pop cost with ``backlog`` tasks already queued."""
    size, k, reps = int(params["backlog"]), int(params["k"]), int(params["reps"])
    # More enqueues than pops: an enqueue takes a fraction of a millisecond, and a
    # short timing swings with the machine's hiccups.
    enqueue_k = int(params.get("enqueue_k", k))
    system.enqueue([0], QUEUE)
    system.prefill(size - 1, QUEUE)
    enqueue_rates: list[float] = []
    pop_rates: list[float] = []
    for _ in range(reps):
        enqueue_rates.append(enqueue(system, {"n": enqueue_k})["rate"])
        spec = {"queues": [QUEUE], "executor": "sync", "once": False, "max_jobs": k}
        worker = WorkerProcess(system, spec)
        try:
            worker.wait_count(k, _DRAIN_TIMEOUT_S)
            worker.stop()
            pop_rates.append(_rate(worker.times()[:k]))
        finally:
            worker.close()
    return {"enqueue_rate": enqueue_rates, "pop_rate": pop_rates}


SCENARIOS: dict[str, Scenario] = {
    "enqueue": enqueue,
    "enqueue_bulk": enqueue_bulk,
    "drain": drain,
    "latency": latency,
    "commands": commands,
    "memory": memory,
    "subqueues": subqueues,
    "backlog": backlog,
    "scheduled": scheduled,
}
