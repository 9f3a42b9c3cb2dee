"""What every side shares: the System interface, worker processes, the side's main.

Only the standard library and redis-py are imported here: this module also runs in
TaskTiger's venv (redis-py 4.6).
"""

from __future__ import annotations

import abc
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import redis

RESULT_MARKER = "BENCH_RESULT "
QUEUE = "bench"


class NotAvailable(Exception):
    """The system has no API for what a scenario needs."""


class System(abc.ABC):
    """One queue system as the scenarios drive it.

    Args:
        url: the benchmark Redis.
    """

    name: str
    module: str  # the side module, run with ``-m`` for worker processes

    def __init__(self, url: str) -> None:
        self.url = url
        self.redis = redis.Redis.from_url(url, decode_responses=True)

    @abc.abstractmethod
    def enqueue(self, ns: Sequence[int], queue: str) -> None:
        """Queue ``noop(n)`` for each n, one API call per task."""

    def enqueue_bulk(self, ns: Sequence[int], queue: str, batch: int) -> None:
        """Queue ``noop(n)`` for each n, ``batch`` tasks per bulk call."""
        raise NotAvailable(f"{self.name} has no bulk enqueue API")

    @abc.abstractmethod
    def enqueue_at(self, ns: Sequence[int], queue: str, when: float) -> None:
        """Schedule ``noop(n)`` for each n at the epoch time ``when``."""

    @abc.abstractmethod
    def prefill(self, n: int, queue: str) -> None:
        """Put ``n`` queued tasks in ``queue`` fast, in the system's own key format."""

    @abc.abstractmethod
    def make_worker(self, spec: dict[str, Any]) -> Callable[[], None]:
        """Build a worker from ``spec`` and return the call that runs it.

        ``spec`` keys: queues (list), executor ("fork" or "sync"), once (bool),
        max_jobs (int or None; a hint, the caller also stops the worker).
        """

    def worker_queues(self, queues: Sequence[str]) -> list[str]:
        """The queue list a worker needs to see ``queues`` (subqueues of QUEUE)."""
        del queues
        return [QUEUE]


class WorkerProcess:
    """A worker in its own process (``python -m <side> worker URL SPEC``).

    The tasks record into a times file; the worker writes its own run times and
    RSS to a result file when it returns.
    """

    def __init__(self, system: System, spec: dict[str, Any]) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="tiger-bench-worker-")
        base = Path(self._dir.name)
        self.times_file = base / "times"
        self.result_file = base / "result.json"
        self.log_file = base / "worker.log"
        spec = {**spec, "result_file": str(self.result_file)}
        env = {**os.environ, "BENCH_TIMES_FILE": str(self.times_file)}
        command = [sys.executable, "-m", system.module, "worker", system.url]
        with self.log_file.open("wb") as log:
            self.process = subprocess.Popen(
                [*command, json.dumps(spec)], env=env, stdout=log, stderr=log
            )

    def times(self) -> list[tuple[int, float, float]]:
        """The (n, start, end) records so far, sorted by start."""
        if not self.times_file.exists():
            return []
        rows = [line.split() for line in self.times_file.read_text().splitlines()]
        records = [(int(n), float(s), float(e)) for n, s, e in rows]
        return sorted(records, key=lambda record: record[1])

    def count(self) -> int:
        """How many tasks have recorded so far."""
        if not self.times_file.exists():
            return 0
        return self.times_file.read_bytes().count(b"\n")

    def wait_count(self, count: int, timeout: float) -> None:
        """Wait until ``count`` tasks have recorded, or fail after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while self.count() < count:
            if self.process.poll() is not None and self.count() < count:
                raise RuntimeError(f"worker exited early: {self.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {self.count()}/{count} tasks ran in time")
            time.sleep(0.005)

    def wait(self, timeout: float) -> dict[str, Any]:
        """Wait for the worker to return; give its result file."""
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise RuntimeError(f"worker still running after {timeout}s") from None
        if not self.result_file.exists():
            raise RuntimeError(f"worker failed: {self.log_tail()}")
        result: dict[str, Any] = json.loads(self.result_file.read_text())
        return result

    def stop(self, timeout: float = 10.0) -> dict[str, Any]:
        """SIGTERM the worker (a graceful stop), SIGKILL if it hangs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.result_file.exists():
            result: dict[str, Any] = json.loads(self.result_file.read_text())
            return result
        return {}

    def log_tail(self) -> str:
        """The end of the worker's output, for error messages."""
        return self.log_file.read_text(errors="replace")[-1500:]

    def close(self) -> None:
        """Stop the worker if needed and remove its files."""
        if self.process.poll() is None:
            self.stop()
        self._dir.cleanup()


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _run_worker(system: System, spec: dict[str, Any]) -> None:
    run = system.make_worker(spec)
    start = time.time()
    # Written first too: a worker stopped by SIGTERM may not return (TaskTiger
    # keeps the default SIGTERM action while it waits for work).
    Path(spec["result_file"]).write_text(json.dumps({"run_start": start}))
    run()
    result = {
        "run_start": start,
        "run_end": time.time(),
        "rss_kib": _rss_kib(),
        "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }
    Path(spec["result_file"]).write_text(json.dumps(result))


def side_main(factory: Callable[[str], System]) -> None:
    """Run ``<side> SCENARIO URL PARAMS_JSON`` (or ``worker URL SPEC_JSON``).

    A scenario prints one line ``BENCH_RESULT {json}`` on stdout.
    """
    from bench.systems.scenarios import SCENARIOS  # noqa: PLC0415 - cycle

    command, url, raw = sys.argv[1], sys.argv[2], sys.argv[3]
    system = factory(url)
    params: dict[str, Any] = json.loads(raw)
    if command == "worker":
        _run_worker(system, params)
        return
    try:
        result = SCENARIOS[command](system, params)
    except NotAvailable as exc:
        result = {"na": str(exc)}
    print(RESULT_MARKER + json.dumps(result), flush=True)
