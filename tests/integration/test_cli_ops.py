"""tiger-worker as a subprocess: connection options, logs, stats, Sentry, launchers."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis

from tests.integration.test_worker_e2e import (
    REPO,
    child_env,
    enqueue,
    logged_process,
    records_of,
    run_cli,
    wait_for,
)

_LAUNCH_SCRIPT = """
import sys
import redis
from tests import sample_tasks
from tiger_adapters.compat import TaskTiger

tiger = TaskTiger(
    connection=redis.Redis.from_url(sys.argv[1], decode_responses=True),
    config={"REDIS_PREFIX": "app"},
)
tiger.delay(sample_tasks.record, args=[sys.argv[2], "ran"], queue="q")
tiger.run_worker_with_args(sys.argv[3:])
"""


@contextmanager
def popen(args: list[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``python -m tiger_cli args`` with output to ``log``; kill it afterwards."""
    command = [sys.executable, "-m", "tiger_cli", "-m", "tests.sample_tasks", *args]
    with logged_process(command, log) as process:
        yield process


def events(log: Path) -> list[dict[str, Any]]:
    """The JSON lines of a worker log."""
    lines = log.read_text(errors="replace").splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


@pytest.mark.timeout(40)
def test_connection_options_logs_stats_and_no_tracebacks(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    """-h/-p/-n reach Redis; events carry fixed keys; stats are logged; no traceback."""
    path = str(tmp_path / "out")
    failed_id, ok_id = enqueue(
        redis_url,
        {"func": "fail", "args": ["boom"], "queue": "q"},
        {"func": "record", "args": [path, "x"], "queue": "q"},
    )
    where = urlsplit(redis_url)
    log = tmp_path / "worker.log"
    args = ["-h", str(where.hostname), "-p", str(where.port), "-n", "0"]
    args += ["--no-store-tracebacks", "--config", "STATS_INTERVAL=0.2"]

    with popen(args, log):
        wait_for(
            lambda: (
                redis_client.zscore("t:error:q", failed_id) is not None
                and sample_tasks_done(path)
                and any(e["event"] == "stats" for e in events(log))
            ),
            "both tasks and a stats line",
            log,
        )

    (record,) = records_of(redis_client, failed_id)
    assert "traceback" not in record
    by_event = {(e["event"], e.get("task_id")): e for e in events(log)}
    for key in [("processing", ok_id), ("done", ok_id), ("task error", failed_id)]:
        entry = by_event[key]
        assert {"task_id", "queue", "func", "attempt", "worker_id"} <= set(entry)
    assert "child_pid" in by_event[("processing", ok_id)]
    stats = next(e for e in events(log) if e["event"] == "stats")
    assert {"time_total", "time_busy", "utilization"} <= set(stats)


def sample_tasks_done(path: str) -> bool:
    from tests import sample_tasks

    return sample_tasks.read_records(path) == ["x"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--config", "STATS_INTERVAL=soon"], "STATS_INTERVAL='soon'"),
        (["--url", "http://localhost"], "unsupported URL 'http://localhost'"),
        (["--config", "NOPE=1"], "unknown config key 'NOPE'"),
    ],
)
def test_bad_settings_exit_with_one_line(args: list[str], message: str) -> None:
    """A bad config value, key or URL: exit code 2 and one line naming it."""
    done = run_cli(*args)

    assert 2 == done.returncode
    (line,) = done.stderr.strip().splitlines()
    assert message in line


#: TaskTiger's options; the connection option is accepted and ignored.
LAUNCH_ARGS = ["-q", "q", "-h", "ignored", "--executor", "sync", "--exit-after", "0.02"]


@pytest.mark.timeout(40)
def test_run_worker_with_args_uses_the_application_instance(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    """A launch script's own instance (prefix "app") runs the task, then exits 0."""
    path = tmp_path / "out"

    done = subprocess.run(
        [sys.executable, "-c", _LAUNCH_SCRIPT, redis_url, str(path), *LAUNCH_ARGS],
        cwd=REPO,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert 0 == done.returncode, done.stderr[-3000:]
    assert ["ran"] == [json.loads(line) for line in path.read_text().splitlines()]
    assert [] == redis_client.keys("app:task:*")
    assert [] == redis_client.keys("t:*")


class _SentryStandIn(BaseHTTPRequestHandler):
    """Accepts Sentry envelopes on loopback and keeps their events."""

    events: list[dict[str, Any]] = []  # noqa: RUF012 - one server per test

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        lines = body.split(b"\n")
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                _SentryStandIn.events.append(json.loads(payload))
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        del format, args  # keep the test output quiet


@pytest.mark.timeout(40)
def test_sentry_dsn_sends_one_event_per_failed_execution(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    """With --sentry-dsn a failing task becomes a Sentry event at a local stand-in."""
    _SentryStandIn.events = []
    server = HTTPServer(("127.0.0.1", 0), _SentryStandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    dsn = f"http://public@127.0.0.1:{server.server_address[1]}/1"
    (failed_id,) = enqueue(
        redis_url, {"func": "fail", "args": ["boom"], "queue": "q.a"}
    )
    log = tmp_path / "worker.log"
    try:
        with popen(["--url", redis_url, "--sentry-dsn", dsn], log):
            wait_for(lambda: bool(_SentryStandIn.events), "a Sentry event", log)
    finally:
        server.shutdown()
        server.server_close()

    (event,) = _SentryStandIn.events
    assert ["tiger", "q", "tests.sample_tasks:fail", "builtins:ValueError"] == event[
        "fingerprint"
    ]
    assert (failed_id, "ValueError", "boom") == (
        event["tags"]["task_id"],
        event["exception"]["values"][0]["type"],
        event["exception"]["values"][0]["value"],
    )
