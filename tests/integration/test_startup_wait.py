"""tiger-worker started while Redis is down: it waits (one log line), then works.

A supervisor that starts the worker before Redis must not see it exit and
restart-loop: the worker waits with backoff, logs the outage once, processes
tasks once redis-server comes up on the port, and a stop during the wait ends
it promptly with exit code 0. The admin command ``tiger`` keeps failing fast.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests import sample_tasks
from tests.chaos.redis_server import RedisServer
from tiger_adapters.compat import TaskTiger

REPO = Path(__file__).resolve().parents[2]
UNAVAILABLE = "redis unavailable, retrying"
REACHABLE = "redis reachable again"


def child_env() -> dict[str, str]:
    """The environment of a child process, with the repository importable."""
    paths = [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


@contextmanager
def tiger_worker(url: str, log: Path, *args: str) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``tiger-worker --url URL`` with its output in ``log``; killed afterwards."""
    command = [sys.executable, "-m", "tiger_cli", "--url", url, *args]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=REPO, env=child_env(), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def wait_for(
    condition: Callable[[], bool], what: str, log: Path, within: float
) -> None:
    """Poll ``condition``; fail after ``within`` seconds showing the worker's log."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:]
            pytest.fail(f"timed out waiting for {what}; worker log:\n{tail}")
        time.sleep(0.05)


def count(log: Path, text: str) -> int:
    """How many lines of the log contain ``text``."""
    return sum(text in line for line in log.read_text(errors="replace").splitlines())


@pytest.mark.timeout(60)
def test_worker_started_before_redis_waits_then_processes_tasks(
    tmp_path: Path,
) -> None:
    """Down at start: alive, one outage line; up: the queued task runs; TERM: 0."""
    server = RedisServer(tmp_path)
    log = tmp_path / "worker.log"
    path = str(tmp_path / "out")
    try:
        with tiger_worker(server.url, log, "-m", "tests.sample_tasks") as worker:
            wait_for(lambda: count(log, UNAVAILABLE) == 1, "the outage line", log, 10)
            time.sleep(1.5)  # several backoff rounds
            assert worker.poll() is None, log.read_text()
            assert 1 == count(log, UNAVAILABLE)

            server.start()
            producer = TaskTiger(connection=server.client())
            producer.delay(sample_tasks.record, args=[path, "ran"], queue="late")
            wait_for(
                lambda: sample_tasks.read_records(path) == ["ran"], "the task", log, 15
            )
            worker.send_signal(signal.SIGTERM)
            assert 0 == worker.wait(timeout=15), log.read_text()
    finally:
        server.stop()

    assert (1, 1) == (count(log, UNAVAILABLE), count(log, REACHABLE))
    assert "Traceback" not in log.read_text()


@pytest.mark.timeout(30)
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_a_stop_during_the_wait_exits_0_promptly(
    tmp_path: Path, signum: signal.Signals
) -> None:
    """Redis never comes: TERM or INT during the backoff ends the worker with 0."""
    server = RedisServer(tmp_path)  # its port, never started
    log = tmp_path / "worker.log"

    with tiger_worker(server.url, log) as worker:
        wait_for(lambda: count(log, UNAVAILABLE) == 1, "the outage line", log, 10)
        time.sleep(0.5)
        assert worker.poll() is None, log.read_text()
        asked = time.monotonic()
        worker.send_signal(signum)
        code = worker.wait(timeout=10)
        stopped_s = time.monotonic() - asked

    assert (0, True) == (code, stopped_s < 2), log.read_text()
    assert "Traceback" not in log.read_text()


def test_the_waiting_line_never_shows_the_password(tmp_path: Path) -> None:
    """A password in the URL is not in the outage line nor anywhere in the log."""
    server = RedisServer(tmp_path)
    url = f"redis://:s3cret-pw@127.0.0.1:{server.port}/0"
    log = tmp_path / "worker.log"

    with tiger_worker(url, log) as worker:
        wait_for(lambda: count(log, UNAVAILABLE) == 1, "the outage line", log, 10)
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=10)

    assert "s3cret-pw" not in log.read_text()
    assert f"127.0.0.1:{server.port}" in log.read_text()


def test_the_admin_command_still_fails_fast(tmp_path: Path) -> None:
    """``tiger`` is interactive: Redis down is one line and exit 1, at once."""
    server = RedisServer(tmp_path)
    asked = time.monotonic()

    done = subprocess.run(
        [sys.executable, "-m", "tiger_cli.admin", "--url", server.url, "queues"],
        cwd=REPO,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert (1, True) == (done.returncode, time.monotonic() - asked < 5), done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert f"cannot reach Redis at {server.url}" in line
